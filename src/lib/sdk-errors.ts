/** The HTTP status an AWS SDK client's failure carries; undefined when no answer came (refused, timed out). */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
