/** SNS: topics, HTTP(S) subscriptions and durable delivery to them (S3 event notifications publish here). */

export {
  type Confirmation,
  type ConfirmSubscription,
  confirmingWith,
  createConfirmSubscriptionRoute,
} from './confirm-route.js';
export { notifyMigrations } from './notify-migrations.js';
export { createSnsApi } from './sns-api.js';
export {
  createSnsService,
  DEFAULT_SNS_RETRIES,
  type SnsService,
  type TopicPublisher,
} from './sns-service.js';
