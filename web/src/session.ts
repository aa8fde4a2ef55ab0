/**
 * What a signed-in tab holds: the keys to sign requests with and the region. An IAM user's password sign-in
 * gives temporary keys with a session token and an expiry; an access key signs in as it is.
 */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ISO 8601; the tab signs out when the temporary keys expire. */
  expiration?: string;
  region: string;
}

// sessionStorage, not localStorage: the keys leave with the tab and are never shared between tabs.
const KEY = 'seawall.session';

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optional = (field: unknown) => field === undefined || typeof field === 'string';
  return (
    typeof v.accessKeyId === 'string' &&
    typeof v.secretAccessKey === 'string' &&
    typeof v.region === 'string' &&
    optional(v.sessionToken) &&
    optional(v.expiration)
  );
}

/** Milliseconds the session's keys have left; Infinity for an access key, which does not expire. */
export function sessionRemainingMs(session: Session, now = Date.now()): number {
  if (session.expiration === undefined) return Number.POSITIVE_INFINITY;
  const expires = Date.parse(session.expiration);
  return Number.isNaN(expires) ? 0 : expires - now;
}

export function loadSession(): Session | undefined {
  const text = sessionStorage.getItem(KEY);
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isSession(parsed) || sessionRemainingMs(parsed) <= 0) {
      sessionStorage.removeItem(KEY);
      return undefined;
    }
    return parsed;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** The region the server runs in, offered as the sign-in default; undefined when it cannot be read. */
export async function fetchServerRegion(): Promise<string | undefined> {
  try {
    const response = await fetch(new URL('/_seawall/info', window.location.origin));
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    const region = (body as { region?: unknown }).region;
    return typeof region === 'string' ? region : undefined;
  } catch {
    return undefined;
  }
}

export type PasswordSignIn =
  | { outcome: 'signedIn'; session: Session }
  | { outcome: 'newPasswordRequired'; message: string }
  | { outcome: 'failed'; message: string };

/**
 * An IAM user's sign-in with the account (id or alias), user name and console password; the server answers
 * temporary credentials for the user, or that the password must be changed first (then `newPassword`).
 */
export async function signInWithPassword(
  form: { account: string; userName: string; password: string; newPassword?: string },
  region: string,
): Promise<PasswordSignIn> {
  let response: Response;
  try {
    response = await fetch(new URL('/_seawall/signin', window.location.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(form),
      credentials: 'omit',
    });
  } catch {
    return { outcome: 'failed', message: 'The server could not be reached.' };
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  if (response.ok)
    return {
      outcome: 'signedIn',
      session: {
        accessKeyId: text('accessKeyId'),
        secretAccessKey: text('secretAccessKey'),
        sessionToken: text('sessionToken'),
        expiration: text('expiration'),
        region,
      },
    };
  if (text('code') === 'PasswordResetRequired')
    return { outcome: 'newPasswordRequired', message: text('message') };
  return { outcome: 'failed', message: text('message') || `Sign-in failed (HTTP ${response.status}).` };
}
