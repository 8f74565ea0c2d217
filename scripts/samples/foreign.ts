import { at, type JsonObject } from './json.js';
import { type Generator } from './model.js';
import { SECOND, formatTime } from './time.js';
import { SUBSCRIPTION, RESOURCE_ID, RESOURCE_ID_VARIANTS } from './vocabulary.js';

// -------------------------------------------------------------------------------------------------
// Records of other ACS categories, sent to the same hub when selected in the diagnostic setting

export function generateForeign(gen: Generator): void {
  const rng = gen.rng;
  const first = at(gen.messages, 0).sendTicks;
  const last = at(gen.messages, gen.messages.length - 1).sendTicks;
  const when = (): number => first + Math.floor(rng.float() * (last - first));
  const ip = (): string => `203.0.113.${rng.int(2, 254)}`;
  const acsUser = (): string => `8:acs:${SUBSCRIPTION.slice(0, 8)}-2222-3333-4444-555555555555_0000001${rng.hex(1)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const base = (ticks: number, category: string, operationName: string, operationVersion: string, correlationId: string | undefined): JsonObject => {
    const r: JsonObject = {
      time: formatTime(ticks, gen.timeFormat() === '3Z' ? '3Z' : '7Z'),
      resourceId: rng.weighted(RESOURCE_ID_VARIANTS.slice(0, 2)),
      operationName,
      operationVersion,
      category,
    };
    if (correlationId !== undefined) r['correlationId'] = correlationId;
    return r;
  };
  const push = (record: JsonObject, ticks: number): void => {
    gen.add({ kind: 'foreign', value: record, arrival: ticks + gen.latency(), noDuplicate: true });
  };

  for (let i = 0; i < 12; i++) {
    const t = when();
    const stamp = formatTime(t, '7Z').replace(/[-:T.Z]/g, '').slice(0, 17);
    const messageIdSms = `Outgoing_${stamp}${rng.hex(8)}_noam`;
    if (i % 5 < 3) {
      const r = base(t, 'SMSOperational', 'SMSMessagesSent', '2021-03-07', rng.guid());
      Object.assign(r, {
        resultType: 'Succeeded',
        resultSignature: 202,
        durationMs: String(rng.int(80, 400)),
        callerIpAddress: ip(),
        level: 'Informational',
        location: 'unitedstates',
        properties: {
          OutgoingMessageLength: rng.int(20, 160),
          SdkType: rng.pick(['azsdk-net-Communication.Sms', 'azsdk-js-communication-sms']),
          PlatformType: rng.pick(['Microsoft Windows 10.0.20348', 'Linux 5.15.0-1057-azure']),
          Method: 'POST',
          NumberType: rng.pick(['TollFree', 'LongCodeNumber']),
          MessageId: messageIdSms,
          CountryCode: 'US',
        },
      });
      push(r, t);
    } else {
      // An SMS delivery report: it has a DeliveryStatus, but it is not an email status record.
      const r = base(t, 'SMSOperational', 'SMSDeliveryReportsReceived', '2021-03-07', rng.guid());
      Object.assign(r, {
        resultType: 'Succeeded',
        level: 'Informational',
        location: 'unitedstates',
        properties: {
          MessageId: messageIdSms,
          DeliveryStatus: rng.pick(['Delivered', 'Failed']),
          DeliveryAttempts: '1',
          NumberType: 'TollFree',
          CountryCode: 'US',
        },
      });
      push(r, t);
    }
  }
  for (let i = 0; i < 10; i++) {
    const t = when();
    const op = rng.pick(['CreateChatThread', 'SendChatMessage', 'SendChatMessage', 'ListChatMessages']);
    const r = base(t, 'ChatOperational', op, '2021-09-07', rng.chance(0.7) ? rng.guid() : undefined);
    Object.assign(r, {
      resultType: 'Succeeded',
      resultSignature: op === 'ListChatMessages' ? 200 : 201,
      durationMs: rng.int(10, 120),
      callerIpAddress: ip(),
      level: 'Informational',
      identity: acsUser(),
      location: 'unitedstates',
      properties: {
        ChatThreadId: `19:${rng.hex(32)}@thread.v2`,
        ...(op === 'SendChatMessage' ? { ChatMessageId: String(1_710_403_200_000 + rng.int(0, 20_000_000)) } : {}),
        SdkType: 'azsdk-js-communication-chat',
        PlatformType: 'Node 20.11.1',
      },
    });
    push(r, t);
  }
  for (let i = 0; i < 6; i++) {
    const t = when();
    const callId = rng.guid();
    const start = formatTime(t - rng.int(10, 600) * SECOND, '3Z');
    const properties: JsonObject = {
      identifier: acsUser(),
      callStartTime: start,
      callDuration: rng.int(5, 900),
      callType: rng.pick(['P2P', 'Group']),
      teamsThreadId: null,
      participantId: rng.guid(),
      participantStartTime: start,
      participantDuration: String(rng.int(4, 880)),
      participantEndReason: '0',
      endpointId: rng.guid(),
      endpointType: 'VoIP',
      sdkVersion: '1.0.1.0',
      osVersion: 'Windows 10.0.17763 Arch: x64',
    };
    if (i === 0) {
      // Log Analytics export style keys, as some of our own records have.
      push(
        {
          Time: formatTime(t, '3Z'),
          ResourceId: RESOURCE_ID.slice(1),
          OperationName: 'CallSummary',
          OperationVersion: '1.0',
          Category: 'CallSummary',
          CorrelationId: callId,
          Properties: properties,
        },
        t,
      );
    } else {
      const r: JsonObject = {
        time: formatTime(t, '3Z'),
        resourceId: RESOURCE_ID.slice(1),
        operationName: 'CallSummary',
        operationVersion: '1.0',
        category: 'CallSummary',
        correlationId: callId,
        properties,
      };
      push(r, t);
    }
  }
  for (let i = 0; i < 4; i++) {
    const t = when();
    const r = base(t, 'CallDiagnostics', 'CallDiagnostics', '1.0', rng.guid());
    r['properties'] = {
      identifier: acsUser(),
      participantId: rng.guid(),
      streamId: String(rng.int(1, 4)),
      mediaType: rng.pick(['Audio', 'Video']),
      transportType: 'UDP',
      roundTripTimeAvg: rng.int(20, 90),
      jitterAvg: rng.int(1, 12),
      packetLossRateAvg: Math.round(rng.float() * 100) / 10_000,
    };
    push(r, t);
  }
  for (let i = 0; i < 4; i++) {
    const t = when();
    const r = base(t, 'AuthOperational', 'IssueToken', '2021-03-07', rng.guid());
    Object.assign(r, {
      resultType: 'Succeeded',
      resultSignature: 200,
      durationMs: String(rng.int(5, 40)),
      callerIpAddress: ip(),
      level: 'Informational',
      location: 'unitedstates',
      properties: {
        SdkType: 'azsdk-net-Communication.Identity',
        PlatformType: 'Microsoft Windows 10.0.20348',
        Identity: acsUser(),
        Scopes: rng.pick(['chat', 'voip', 'chat,voip']),
      },
    });
    push(r, t);
  }
}
