/**
 * The SMTP reply code and the enhanced status code (RFC 3463) inside an Event Grid status message, such
 * as "550 5.1.1 The email account that you tried to reach does not exist". Event Grid reports carry no
 * code fields: this is how an Event Grid-only ledger still groups failures by code. The reply code is
 * read only at the start of the text (where a server's reply puts it), the enhanced code anywhere, as
 * its first well-formed occurrence; a text in another shape ("[HM08] Message rejected ...") gives neither.
 */
export interface StatusMessageCodes {
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
}

const REPLY_CODE = /^\s*([2-5][0-9]{2})(?![0-9.])/;
/** class.subject.detail: class 2, 4 or 5; subject 1–3 digits; detail 1–3 digits (RFC 3463 §2). */
const ENHANCED_CODE = /(?<![0-9.])([245])\.([0-9]{1,3})\.([0-9]{1,3})(?![0-9]|\.[0-9])/;

export function codesOfStatusMessage(message: string | null): StatusMessageCodes {
  if (message === null) return { smtpStatusCode: null, enhancedSmtpStatusCode: null };
  const reply = REPLY_CODE.exec(message);
  const enhanced = ENHANCED_CODE.exec(message);
  return {
    smtpStatusCode: reply?.[1] ?? null,
    enhancedSmtpStatusCode: enhanced === null ? null : `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`,
  };
}
