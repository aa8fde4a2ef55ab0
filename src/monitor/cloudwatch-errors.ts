import { AppError } from '../errors.js';

/**
 * CloudWatch's errors. The service answers two protocols: awsQuery (the aws cli) names an error by its query
 * code (`InvalidParameterValue`), awsJson1_0 (the SDKs, awsQueryCompatible) by its shape
 * (`InvalidParameterValueException`) with the query code in the `x-amzn-query-error` header. Each error here
 * carries both names, so one handler answers both.
 */
function cloudWatchError(query: string, shape: string, status: number, message: string): AppError {
  return new AppError(query, status, message, {
    protocolCodes: { json: shape, query },
    awsJsonStatus: status,
  });
}

export const invalidParameterValue = (message: string): AppError =>
  cloudWatchError('InvalidParameterValue', 'InvalidParameterValueException', 400, message);

export const invalidParameterCombination = (message: string): AppError =>
  cloudWatchError('InvalidParameterCombination', 'InvalidParameterCombinationException', 400, message);

export const missingParameter = (message: string): AppError =>
  cloudWatchError('MissingParameter', 'MissingRequiredParameterException', 400, message);

/** An alarm, dashboard or other resource that does not exist (DescribeAlarmHistory's, tagging's). */
export const resourceNotFound = (message: string): AppError =>
  cloudWatchError('ResourceNotFound', 'ResourceNotFound', 404, message);

/** Tagging's and the newer operations' not-found (ResourceNotFoundException). */
export const resourceNotFoundException = (message: string): AppError =>
  cloudWatchError('ResourceNotFoundException', 'ResourceNotFoundException', 404, message);

export const dashboardNotFound = (message: string): AppError =>
  cloudWatchError('ResourceNotFound', 'DashboardNotFoundError', 404, message);

export const dashboardInvalidInput = (message: string): AppError =>
  cloudWatchError('InvalidParameterInput', 'DashboardInvalidInputError', 400, message);

export const invalidNextToken = (message = 'The next token is not valid.'): AppError =>
  cloudWatchError('InvalidNextToken', 'InvalidNextToken', 400, message);

export const invalidFormat = (message: string): AppError =>
  cloudWatchError('InvalidFormat', 'InvalidFormatFault', 400, message);

export const limitExceeded = (message: string): AppError =>
  cloudWatchError('LimitExceeded', 'LimitExceededFault', 400, message);

/** The error for a member or feature Seawall does not implement: refused, never ignored. */
export const notImplemented = (what: string): AppError =>
  invalidParameterValue(`${what} is not implemented by Seawall.`);
