/** Webhook endpoints, their delivery log, e-mail notification settings and a token's lifecycle events, as TanStack Query hooks. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeliveryDto, MailSettingsDto, TokenActivityDto, WebhookDto } from '../../../src/http/management/schemas.js';
import { api } from './client.js';
import { accountApi, tokenApi } from './queries.js';

export const webhookKeys = {
  all: (accountId: string) => ['accounts', accountId, 'webhooks'] as const,
  deliveries: (accountId: string, webhookId: string) => ['accounts', accountId, 'webhooks', webhookId, 'deliveries'] as const,
  activity: (accountId: string, tokenId: string) => ['accounts', accountId, 'tokens', 'detail', tokenId, 'lifecycle-events'] as const,
};

const webhooksApi = (accountId: string) => `${accountApi(accountId)}/webhooks`;

export function useWebhooks(accountId: string) {
  return useQuery({ queryKey: webhookKeys.all(accountId), queryFn: () => api.get<{ items: WebhookDto[] }>(webhooksApi(accountId)), select: (data) => data.items });
}

export function useDeliveries(accountId: string, webhookId: string) {
  return useQuery({ queryKey: webhookKeys.deliveries(accountId, webhookId), queryFn: () => api.get<{ items: DeliveryDto[] }>(`${webhooksApi(accountId)}/${encodeURIComponent(webhookId)}/deliveries`), select: (data) => data.items });
}

export function useTokenLifecycleEvents(accountId: string, tokenId: string) {
  return useQuery({ queryKey: webhookKeys.activity(accountId, tokenId), queryFn: () => api.get<TokenActivityDto>(`${tokenApi(accountId, tokenId)}/lifecycle-events`), select: (data) => data.items });
}

export type WebhookFields = { url: string; events: string[]; description?: string };

/** Every webhook write refreshes the account's endpoints and their logs. */
function useWebhookMutation<A, R>(accountId: string, run: (args: A) => Promise<R>, options: { inlineFieldErrors?: boolean } = {}) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: run, onSuccess: () => void queryClient.invalidateQueries({ queryKey: webhookKeys.all(accountId) }), meta: options });
}

export function useCreateWebhook(accountId: string) {
  return useWebhookMutation(accountId, (body: WebhookFields) => api.post<{ webhook: WebhookDto; secret: string }>(webhooksApi(accountId), body), { inlineFieldErrors: true });
}

export function useUpdateWebhook(accountId: string) {
  return useWebhookMutation(accountId, ({ id, ...body }: { id: string; state?: 'enabled' | 'disabled' }) => api.patch<WebhookDto>(`${webhooksApi(accountId)}/${encodeURIComponent(id)}`, body));
}

export function useDeleteWebhook(accountId: string) {
  return useWebhookMutation(accountId, (id: string) => api.delete(`${webhooksApi(accountId)}/${encodeURIComponent(id)}`));
}

export function useRotateWebhookSecret(accountId: string) {
  return useWebhookMutation(accountId, (id: string) => api.post<{ webhook: WebhookDto; secret: string }>(`${webhooksApi(accountId)}/${encodeURIComponent(id)}/rotate-secret`, { overlapSeconds: 86_400 }));
}

export function useRedeliver(accountId: string) {
  return useWebhookMutation(accountId, ({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) =>
    api.post<DeliveryDto>(`${webhooksApi(accountId)}/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
  );
}

const mailSettingsKey = (accountId: string) => ['accounts', accountId, 'mail-settings'] as const;

export function useMailSettings(accountId: string) {
  return useQuery({ queryKey: mailSettingsKey(accountId), queryFn: () => api.get<MailSettingsDto>(`${accountApi(accountId)}/mail-settings`) });
}

export type MailSettingsChange = { delivery?: MailSettingsDto['delivery']; events?: Partial<MailSettingsDto['events']> };

export function useUpdateMailSettings(accountId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: MailSettingsChange) => api.patch<MailSettingsDto>(`${accountApi(accountId)}/mail-settings`, body),
    onSuccess: (saved) => queryClient.setQueryData(mailSettingsKey(accountId), saved),
  });
}
