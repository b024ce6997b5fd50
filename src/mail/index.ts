/** The e-mail notifications module's public face: the settings service, the delivery channel and the SMTP worker. */
export { MailService, type MailSettingsView, type SentMail } from './service.js';
export { MailChannel } from './channel.js';
export { MailWorker } from './worker.js';
