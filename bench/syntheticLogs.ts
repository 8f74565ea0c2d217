import { randomUUID } from 'node:crypto';

/** Cheap synthetic ACS Email records for benchmarks: a SendMail, an OutForDelivery and per-recipient statuses and views. */
export function* syntheticRecords(messages: number, recipientsPerMessage = 3): Generator<Record<string, unknown>> {
  const base = Date.parse('2025-03-14T00:00:00Z');
  for (let m = 0; m < messages; m += 1) {
    const id = randomUUID();
    const t = (offsetMs: number) => new Date(base + m * 1000 + offsetMs).toISOString();
    yield { time: t(0), resourceId: '/SUBSCRIPTIONS/X/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/BENCH', category: 'EmailSendMailOperational', correlationId: id, properties: { Size: 0.02, ToRecipientsCount: recipientsPerMessage, UniqueRecipientsCount: recipientsPerMessage, AttachmentsCount: 0 } };
    yield { time: t(10), category: 'EmailStatusUpdateOperational', correlationId: id, properties: { RecipientId: '', DeliveryStatus: 'OutForDelivery', SenderDomain: 'example.com', SenderUsername: 'bench', IsHardBounce: false } };
    for (let r = 0; r < recipientsPerMessage; r += 1) {
      const bounce = (m * recipientsPerMessage + r) % 50 === 0;
      yield { time: t(100 + r), category: 'EmailStatusUpdateOperational', correlationId: id, properties: { RecipientId: `user${m}.${r}@example.org`, DeliveryStatus: bounce ? 'Bounced' : 'Delivered', SmtpStatusCode: bounce ? '550' : '250', EnhancedSmtpStatusCode: bounce ? '5.1.1' : '2.6.0', SenderDomain: 'example.com', SenderUsername: 'bench', IsHardBounce: bounce } };
      if (!bounce) yield { time: t(5000 + r), category: 'EmailUserEngagementOperational', correlationId: id, properties: { RecipientId: `user${m}.${r}@example.org`, EngagementType: 'View', UserAgent: 'bench' } };
    }
  }
}
