import { Rng } from './random.js';

// ---------------------------------------------------------------------------------------------------
// Fixed vocabulary

export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
export const RESOURCE_ID = `/SUBSCRIPTIONS/${SUBSCRIPTION}/RESOURCEGROUPS/RG-EMAIL-DEMO/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-EMAIL-DEMO`;
/** One ACS resource, written four ways. Compare case-insensitively, with or without the leading slash. */
export const RESOURCE_ID_VARIANTS: readonly (readonly [string, number])[] = [
  [RESOURCE_ID, 0.8],
  [RESOURCE_ID.slice(1), 0.08],
  [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-email-demo/providers/Microsoft.Communication/communicationServices/acs-email-demo`, 0.08],
  [`subscriptions/${SUBSCRIPTION}/resourcegroups/rg-email-demo/providers/microsoft.communication/communicationservices/acs-email-demo`, 0.04],
];

export const CAT_SEND = 'EmailSendMailOperational';
export const CAT_STATUS = 'EmailStatusUpdateOperational';
export const CAT_ENGAGEMENT = 'EmailUserEngagementOperational';
export const CAT_USAGE = 'Usage';
export const OUR_CATEGORIES: readonly string[] = [CAT_SEND, CAT_STATUS, CAT_ENGAGEMENT, CAT_USAGE];

export interface Sender {
  readonly domain: string;
  readonly usernames: readonly string[];
  readonly trafficSources: readonly string[];
  /** userEngagementTracking on the Domains resource: engagement logs only for tracked domains. */
  readonly tracking: boolean;
  readonly weight: number;
  readonly links: readonly ((rng: Rng) => string)[];
}

export const SENDERS: readonly Sender[] = [
  {
    domain: 'example.com',
    usernames: ['donotreply', 'orders'],
    trafficSources: ['Email .NET SDK', 'Email .NET SDK', 'Email Java SDK'],
    tracking: true,
    weight: 0.4,
    links: [
      (r) => `https://www.example.com/orders/${r.int(10_000, 99_999)}?utm_source=email`,
      () => 'https://www.example.com/account/settings',
      (r) => `https://www.example.com/track?shipment=${r.hex(10).toUpperCase()}`,
    ],
  },
  {
    domain: 'example.net',
    usernames: ['billing', 'alerts'],
    trafficSources: ['Email Python SDK', 'SMTP'],
    tracking: false,
    weight: 0.3,
    links: [],
  },
  {
    domain: 'mail.example.org',
    usernames: ['newsletter', 'support'],
    trafficSources: ['Email JavaScript SDK', 'Email JavaScript SDK', 'Email Python SDK'],
    tracking: true,
    weight: 0.3,
    links: [
      (r) => `https://www.example.org/blog/${r.pick(['spring-release', 'pricing-update', 'customer-story', 'webinar-recap'])}?utm_campaign=march-digest`,
      (r) => `https://www.example.org/unsubscribe?token=${r.hex(24)}`,
      (r) => `https://support.example.org/tickets/${r.int(100_000, 999_999)}`,
    ],
  },
];

export const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.8.1',
  'Mozilla/5.0',
];

export const FIRST_NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'karl', 'laura', 'mallory',
  'nina', 'oscar', 'peggy', 'quentin', 'rupert', 'sybil', 'trent', 'ursula', 'victor', 'wendy', 'xavier', 'yolanda',
  'zoe', 'amir', 'bea', 'chen', 'dmitri', 'elena', 'fatima', 'gustavo', 'hana', 'ines', 'jonas', 'kenji', 'lucia',
  'marek', 'noor',
];
export const LAST_NAMES = [
  'smith', 'jones', 'garcia', 'miller', 'davis', 'lopez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'martin',
  'lee', 'walker', 'hall', 'young', 'king', 'wright', 'scott', 'green', 'baker', 'adams', 'nelson', 'hill', 'campbell',
  'mitchell', 'roberts', 'carter', 'phillips', 'evans',
];
export const RECIPIENT_DOMAINS: readonly (readonly [string, number])[] = [
  ['example.com', 0.34],
  ['example.org', 0.28],
  ['example.net', 0.24],
  ['corp.example.com', 0.08],
  ['lists.example.org', 0.06],
];

/** Hard-bounce codes from ACS's hard-bounce table (fact sheet section 7). */
export const HARD_BOUNCES: readonly (readonly [{ smtp: string; enhanced: string; reason: string; message: (address: string) => string }, number])[] = [
  [{ smtp: '550', enhanced: '5.1.1', reason: 'BadDestinationMailboxAddress', message: (a) => `550 5.1.1 <${a}>: Recipient address rejected: User unknown` }, 0.6],
  [{ smtp: '550', enhanced: '5.1.10', reason: 'RecipientNotFound', message: () => '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' }, 0.25],
  [{ smtp: '550', enhanced: '5.4.1', reason: 'RecipientAddressRejected', message: () => '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)' }, 0.15],
];
export type HardBounce = (typeof HARD_BOUNCES)[number][0];
