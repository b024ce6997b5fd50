/** The lifecycle events module's public face: the outbox (an audit follower), the expiry scheduler, the dispatcher, the timers. */
export { outboxFollower } from './outbox.js';
export { ExpiryScheduler } from './scheduler.js';
export { Dispatcher, type DeliveryChannel, type EventContacts } from './dispatcher.js';
export { PeriodicRunner, type PeriodicTask } from './runner.js';
export { LifecycleEvents } from './events.js';
