interface SdkError {
  name: string;
  message: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

async function caught(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

/**
 * How an AWS SDK call that must fail failed: the error code on the wire (the SDK's name where it kept none)
 * and the HTTP status, as a whole to compare with toEqual.
 */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; status?: number }> {
  const e = await caught(promise);
  return { code: e.Code ?? e.name, status: e.$metadata?.httpStatusCode };
}

/** The same with the error's message. */
export async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: string; status?: number; message: string }> {
  const e = await caught(promise);
  return { code: e.Code ?? e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

/** The same with every field the SDK read from the error document (S3's ArgumentName, Size, MaxSizeAllowed…). */
export async function failureFields(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const e = await caught(promise);
  return { ...e, name: e.name, message: e.message };
}
