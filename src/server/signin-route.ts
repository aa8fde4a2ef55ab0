import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';
import type { SignInRequest, SignInResult } from '../iam/index.js';
import type { ApiResponse } from '../lib/http.js';

/** The sign-in page's form is small; anything larger is not from it. */
const MAX_BODY = 8 * 1024;
const REFUSED = 'Your authentication information is incorrect. Please try again.';
const FIELDS: Readonly<Record<string, { max: number; required: boolean }>> = {
  account: { max: 63, required: true },
  userName: { max: 64, required: true },
  password: { max: 128, required: true },
  newPassword: { max: 128, required: false },
};

function answer(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      // Credentials must not be kept by any cache between the tab and the server.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

const refusal = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  answer(status, { code, message }, headers);

/**
 * Only the console's own page may sign in: a JSON body (which a cross-site form cannot send, and a cross-site
 * fetch cannot send without a CORS preflight that this server never grants), an Origin naming this host,
 * and, from browsers that send it, Sec-Fetch-Site `same-origin`.
 */
function crossSiteRefusal(req: IncomingMessage): ApiResponse | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    return refusal(415, 'UnsupportedMediaType', 'Sign-in takes an application/json body.');
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin')
    return refusal(403, 'CrossOriginRefused', 'Sign-in is accepted only from the console of this server.');
  let originHost: string | undefined;
  try {
    originHost = req.headers.origin ? new URL(req.headers.origin).host : undefined;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || originHost !== req.headers.host)
    return refusal(403, 'CrossOriginRefused', 'Sign-in is accepted only from the console of this server.');
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The form's fields, each a string of a sensible length, and nothing else. */
function parseForm(text: string): Omit<SignInRequest, 'sourceIp'> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const form = value as Record<string, unknown>;
  if (Object.keys(form).some((key) => !Object.hasOwn(FIELDS, key))) return undefined;
  for (const [name, rule] of Object.entries(FIELDS)) {
    const field = form[name];
    if (field === undefined && !rule.required) continue;
    if (typeof field !== 'string' || field.length === 0 || field.length > rule.max) return undefined;
  }
  return form as unknown as Omit<SignInRequest, 'sourceIp'>;
}

function render(result: SignInResult): ApiResponse {
  switch (result.outcome) {
    case 'signedIn':
      return answer(200, {
        accountId: result.accountId,
        userName: result.userName,
        arn: result.arn,
        accessKeyId: result.credentials.AccessKeyId,
        secretAccessKey: result.credentials.SecretAccessKey,
        sessionToken: result.credentials.SessionToken,
        expiration: result.credentials.Expiration.toISOString(),
      });
    case 'refused':
      return refusal(401, 'InvalidCredentials', REFUSED);
    case 'throttled':
      return refusal(
        429,
        'Throttling',
        `Too many failed sign-in attempts. Try again in ${result.retryAfterSeconds} seconds.`,
        { 'retry-after': String(result.retryAfterSeconds) },
      );
    case 'passwordResetRequired':
      return refusal(403, 'PasswordResetRequired', 'Your password has expired; choose a new one to sign in.');
  }
}

/**
 * `POST /_seawall/signin`: the console's password sign-in, answered with temporary credentials the console
 * signs every later call with. The password is never logged: the server logs only the path and status of
 * Seawall's own routes, and nothing here puts the body into an error.
 */
export function createSignInRoute(signIn: (request: SignInRequest) => Promise<SignInResult>) {
  return async (req: IncomingMessage): Promise<ApiResponse> => {
    if (req.method !== 'POST')
      return refusal(405, 'MethodNotAllowed', 'Sign in with POST.', { allow: 'POST' });
    const crossSite = crossSiteRefusal(req);
    if (crossSite) return crossSite;
    const text = await readBody(req);
    if (text === undefined) return refusal(413, 'RequestEntityTooLarge', 'The sign-in request is too large.');
    const form = parseForm(text);
    if (!form)
      return refusal(
        400,
        'InvalidInput',
        'Give account, userName and password as strings (and newPassword).',
      );
    try {
      return render(
        await signIn({
          ...form,
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: (req.headers['user-agent'] ?? '').slice(0, 1024),
        }),
      );
    } catch (error) {
      if (error instanceof AppError && error.status < 500)
        return refusal(error.status, error.code, error.message);
      throw error;
    }
  };
}
