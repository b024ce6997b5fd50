/** The webhooks module's public face: the management service, the delivery channel and worker, the target guard. */
export { WebhookService, type Delivery, type WebhookEndpoint } from './service.js';
export { WebhookChannel } from './channel.js';
export { DeliveryWorker } from './worker.js';
export { TargetGuard } from './targets.js';
