/** What a signed-in analyst's browser tab holds: the keys to sign requests with, and the region. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

// sessionStorage, not localStorage: the keys leave with the tab and are never shared between tabs.
const KEY = 'seawall.session';

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.accessKeyId === 'string' && typeof v.secretAccessKey === 'string' && typeof v.region === 'string'
  );
}

export function loadSession(): Session | undefined {
  const text = sessionStorage.getItem(KEY);
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isSession(parsed) ? parsed : undefined;
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
