/** The lifecycle events module's public face: the outbox (an audit follower), the time-based schedulers, the canary alarm, the dispatcher, the retention job, the timers. */
export { outboxFollower } from './outbox.js';
export { ExpiryScheduler, UnusedScheduler } from './scheduler.js';
export { CanaryAlarm } from './canary.js';
export { Retention } from './retention.js';
export { Dispatcher, type DeliveryChannel, type EventContacts } from './dispatcher.js';
export { PeriodicRunner, type PeriodicTask } from './runner.js';
export { LifecycleEvents } from './events.js';
