/**
 * The one sensitive-data detector: e-mail, phone number, payment card (Luhn), US SSN, AWS access key id,
 * secret-looking strings. Everything it flags is masked wherever it is shown (Slack, CLI, logs).
 * TODO(controls): full implementation.
 */
export type SensitiveKind = "email" | "phone" | "payment-card" | "us-ssn" | "aws-access-key" | "secret";

export interface SensitiveMatch {
  kind: SensitiveKind;
  start: number;
  end: number;
}

export function detectSensitive(_text: string): SensitiveMatch[] {
  return [];
}

export function maskSensitive(text: string): string {
  return text;
}
