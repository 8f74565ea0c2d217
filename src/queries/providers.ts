/**
 * Mailbox providers: the `--group provider` of `stats`. A recipient domain (the part after the last
 * "@", lower-cased) maps to the provider that hosts its mailboxes; every other domain is "Other".
 *
 * The built-in map holds the consumer domains of the large providers, the ones deliverability tools
 * report on (SendGrid's and Mailgun's mailbox-provider stats, the "MAGY" grouping: Microsoft, AOL,
 * Gmail, Yahoo). Sources: Spam Resource, "Reference: MAGY (Microsoft, AOL, Gmail, Yahoo) Email Domains"
 * (2021, domains checked by MX lookup); Suped, "What are the lists of subdomains for major email
 * providers" (2025); the providers' own sign-up domains. Such lists are never complete (providers hold
 * hundreds of country domains, and business domains hosted by Microsoft 365 or Google Workspace are not
 * recognisable by name), so the map is configurable: LEDGER_PROVIDER_DOMAINS, a JSON object of
 * provider -> domains, e.g. {"Microsoft": ["contoso-mail.com"], "Fabrikam Mail": ["fabrikam.net"]}.
 * A domain it names moves to that provider (built-in or new); everything else keeps the built-in map.
 * Yahoo Japan (yahoo.co.jp) is a different company from Yahoo and is not in Yahoo.
 */

const tlds = (name: string, suffixes: readonly string[]): string[] => suffixes.map((s) => `${name}.${s}`);

export const BUILT_IN_PROVIDERS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Microsoft: [
    'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com', 'windowslive.com',
    ...tlds('outlook', ['at', 'be', 'cl', 'co.id', 'co.il', 'co.nz', 'co.th', 'co.uk', 'com.ar', 'com.au', 'com.br', 'com.gr', 'com.tr', 'com.vn', 'cz', 'de', 'dk', 'es', 'fr', 'hu', 'ie', 'in', 'it', 'jp', 'kr', 'lv', 'my', 'ph', 'pt', 'sa', 'sg', 'sk']),
    ...tlds('hotmail', ['be', 'ca', 'ch', 'cl', 'co.id', 'co.il', 'co.in', 'co.jp', 'co.kr', 'co.nz', 'co.th', 'co.uk', 'co.za', 'com.ar', 'com.au', 'com.br', 'com.hk', 'com.mx', 'com.tr', 'com.tw', 'com.vn', 'cz', 'de', 'dk', 'es', 'fi', 'fr', 'gr', 'hu', 'it', 'lt', 'lv', 'my', 'nl', 'no', 'ph', 'pt', 'rs', 'se', 'sg', 'sk']),
    ...tlds('live', ['at', 'be', 'ca', 'cl', 'cn', 'co.in', 'co.kr', 'co.uk', 'co.za', 'com.ar', 'com.au', 'com.mx', 'com.my', 'com.ph', 'com.pt', 'com.sg', 'de', 'dk', 'fi', 'fr', 'hk', 'ie', 'in', 'it', 'jp', 'nl', 'no', 'ru', 'se']),
  ],
  Google: ['gmail.com', 'googlemail.com'],
  Yahoo: [
    'yahoo.com', 'ymail.com', 'rocketmail.com',
    ...tlds('yahoo', ['at', 'be', 'ca', 'ch', 'cl', 'co.id', 'co.in', 'co.nz', 'co.th', 'co.uk', 'co.za', 'com.ar', 'com.au', 'com.br', 'com.co', 'com.hk', 'com.mx', 'com.my', 'com.pe', 'com.ph', 'com.sg', 'com.tr', 'com.tw', 'com.vn', 'de', 'dk', 'es', 'fi', 'fr', 'gr', 'ie', 'in', 'it', 'nl', 'no', 'pl', 'pt', 'ro', 'se']),
  ],
  AOL: ['aol.com', 'aim.com', 'love.com', 'games.com', 'wow.com', 'verizon.net', ...tlds('aol', ['co.uk', 'de', 'fr', 'it', 'nl', 'es', 'se', 'ca', 'com.au'])],
  Apple: ['icloud.com', 'me.com', 'mac.com', 'privaterelay.appleid.com'],
  'GMX / WEB.DE': ['web.de', 'mail.com', 'email.com', ...tlds('gmx', ['at', 'ch', 'co.uk', 'com', 'de', 'es', 'fr', 'it', 'net', 'us'])],
  Proton: ['proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me'],
  Yandex: ['yandex.ru', 'yandex.com', 'yandex.by', 'yandex.kz', 'yandex.ua', 'ya.ru'],
  Zoho: ['zoho.com', 'zoho.eu', 'zohomail.com', 'zohomail.eu', 'zohomail.in'],
  'Mail.ru': ['mail.ru', 'inbox.ru', 'list.ru', 'bk.ru', 'internet.ru'],
  Tencent: ['qq.com', 'foxmail.com'],
  NetEase: ['163.com', '126.com', 'yeah.net'],
  Naver: ['naver.com'],
  Comcast: ['comcast.net'],
  Orange: ['orange.fr', 'wanadoo.fr'],
  'T-Online': ['t-online.de'],
  Seznam: ['seznam.cz'],
});

export const OTHER_PROVIDER = 'Other';

/** Provider grouping as configured: a domain -> provider map, or switched off by a bad setting (with why). */
export type ProviderGrouping =
  | { readonly kind: 'enabled'; readonly byDomain: ReadonlyMap<string, string> }
  | { readonly kind: 'disabled'; readonly setting: string; readonly reason: string };

/** The built-in map with the configured domains moved to their providers. */
export function providerGrouping(overrides: Readonly<Record<string, readonly string[]>> = {}): ProviderGrouping {
  const byDomain = new Map<string, string>();
  for (const source of [BUILT_IN_PROVIDERS, overrides]) {
    for (const [provider, domains] of Object.entries(source)) for (const domain of domains) byDomain.set(domain.trim().toLowerCase(), provider);
  }
  return { kind: 'enabled', byDomain };
}

export function providerOf(byDomain: ReadonlyMap<string, string>, recipientDomain: string): string {
  return byDomain.get(recipientDomain) ?? OTHER_PROVIDER;
}
