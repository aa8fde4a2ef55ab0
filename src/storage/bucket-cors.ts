import { type AppError, badRequest } from '../errors.js';
import type { XmlObject } from '../lib/xml.js';
import { asRecord, malformedXml, onlyElements } from './s3-wire.js';

/** The methods a CORSRule may allow: S3 refuses any other (OPTIONS included). */
export const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;
export type CorsMethod = (typeof CORS_METHODS)[number];

/** One CORSRule, as PutBucketCors was sent it (values kept exactly, casing included) and as it is stored. */
export interface CorsRule {
  readonly id?: string;
  readonly allowedHeaders: readonly string[];
  readonly allowedMethods: readonly CorsMethod[];
  readonly allowedOrigins: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** "The document is limited to 64 KB in size." */
export const MAX_CORS_DOCUMENT_BYTES = 64 * 1024;
/** "You can add up to 100 rules to the configuration." */
export const MAX_CORS_RULES = 100;
/** "The value [of ID] cannot be longer than 255 characters." */
const MAX_ID_LENGTH = 255;
const MAX_AGE_LIMIT = 2 ** 31 - 1;

/** The elements that may repeat, which the XML parser must always hand back as lists. */
export const CORS_LIST_ELEMENTS = [
  'CORSRule',
  'AllowedHeader',
  'AllowedMethod',
  'AllowedOrigin',
  'ExposeHeader',
] as const;

const RULE_ELEMENTS: ReadonlySet<string> = new Set([
  'ID',
  'AllowedHeader',
  'AllowedMethod',
  'AllowedOrigin',
  'ExposeHeader',
  'MaxAgeSeconds',
]);
const METHODS: ReadonlySet<string> = new Set(CORS_METHODS);

function invalidRequest(message: string): AppError {
  return badRequest('InvalidRequest', message);
}

/** A list element's values: each a plain text element (no children, no attributes that mean anything). */
function texts(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw malformedXml();
  return value.map((item) => {
    if (typeof item !== 'string') throw malformedXml();
    return item;
  });
}

/** An element that may appear at most once; undefined when absent. */
function singleText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

function wildcards(text: string): number {
  return text.split('*').length - 1;
}

function maxAge(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed) || Number(trimmed) > MAX_AGE_LIMIT) throw malformedXml();
  return Number(trimmed);
}

/** The checks S3 makes of a rule's values once the document has the schema's shape, in its order. */
function checkRule(rule: CorsRule): void {
  for (const method of rule.allowedMethods) {
    if (!METHODS.has(method))
      throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
  }
  for (const origin of rule.allowedOrigins) {
    if (wildcards(origin) > 1)
      throw invalidRequest(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
  }
  for (const header of rule.allowedHeaders) {
    if (wildcards(header) > 1)
      throw invalidRequest(`AllowedHeader "${header}" can not have more than one wildcard.`);
  }
  for (const header of rule.exposeHeaders) {
    if (header.includes('*'))
      throw invalidRequest(
        `ExposeHeader "${header}" contains wildcard. We currently do not support wildcard for ExposeHeader.`,
      );
  }
  if (rule.id !== undefined && rule.id.length > MAX_ID_LENGTH)
    throw invalidRequest(`The ID of a CORSRule cannot be longer than ${MAX_ID_LENGTH} characters.`);
}

function readRule(raw: unknown): CorsRule {
  const element = asRecord(raw);
  if (!element) throw malformedXml();
  onlyElements(element, RULE_ELEMENTS, malformedXml);
  const allowedMethods = texts(element.AllowedMethod);
  const allowedOrigins = texts(element.AllowedOrigin);
  // Each CORSRule must identify at least one origin and one method.
  if (allowedMethods.length === 0 || allowedOrigins.length === 0) throw malformedXml();
  const id = singleText(element.ID);
  const seconds = maxAge(singleText(element.MaxAgeSeconds));
  const rule: CorsRule = {
    ...(id !== undefined ? { id } : {}),
    allowedHeaders: texts(element.AllowedHeader),
    allowedMethods: allowedMethods as CorsMethod[],
    allowedOrigins,
    exposeHeaders: texts(element.ExposeHeader),
    ...(seconds !== undefined ? { maxAgeSeconds: seconds } : {}),
  };
  checkRule(rule);
  return rule;
}

/**
 * A CORSConfiguration document, parsed with CORS_LIST_ELEMENTS as lists: its rules, checked as S3 checks
 * them. What does not have the schema's shape is MalformedXML; values S3 refuses are InvalidRequest.
 */
export function readCorsConfiguration(document: Record<string, unknown> | undefined): CorsRule[] {
  if (!document) throw badRequest('MissingRequestBodyError', 'Request Body is empty');
  if (Object.keys(document).length !== 1) throw malformedXml();
  const root = asRecord(document.CORSConfiguration);
  if (!root) throw malformedXml();
  onlyElements(root, ['CORSRule'], malformedXml);
  const rules = root.CORSRule;
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_CORS_RULES) throw malformedXml();
  return rules.map(readRule);
}

/** A stored configuration, as readCorsConfiguration made it (the document is written only by PutBucketCors). */
export function parseStoredCors(text: string): CorsRule[] {
  return JSON.parse(text) as CorsRule[];
}

/** GetBucketCors' CORSRule elements, in the order of S3's model, with only the members that were set. */
export function corsRuleElements(rules: readonly CorsRule[]): XmlObject {
  return {
    CORSRule: rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: [...rule.allowedHeaders],
      AllowedMethod: [...rule.allowedMethods],
      AllowedOrigin: [...rule.allowedOrigins],
      ExposeHeader: [...rule.exposeHeaders],
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  };
}
