import { badRequest } from '../errors.js';
import {
  type JsonInput,
  type MemberRefusal,
  optionalNumber,
  optionalObject,
  optionalString,
  unexpectedMember,
} from '../lib/aws-json.js';
import type { WorkgroupRow } from './query-store.js';
import type { WorkgroupUpdate } from './query-types.js';

export const ENGINE_VERSION = {
  SelectedEngineVersion: 'AUTO',
  EffectiveEngineVersion: 'Athena engine version 3',
};
/** Athena's smallest BytesScannedCutoffPerQuery: 10 MB. */
const MIN_BYTES_CUTOFF = 10_000_000;

function invalid(message: string) {
  return badRequest('InvalidRequestException', message);
}

function optionalBoolean(value: Record<string, unknown>, name: string): boolean | undefined {
  const flag = value[name];
  if (flag === undefined || flag === null) return undefined;
  if (typeof flag !== 'boolean') throw invalid(`${name} must be a boolean.`);
  return flag;
}

/** The settings CreateWorkGroup's Configuration and UpdateWorkGroup's ConfigurationUpdates share. */
function commonSettings(value: Record<string, unknown>, operation: string, refuse: MemberRefusal) {
  // Requester pays buckets are not implemented: only false is honoured.
  if (value.RequesterPaysEnabled === true) throw refuse(`RequesterPaysEnabled true in ${operation}`);
  optionalBoolean(value, 'RequesterPaysEnabled');
  const engine = optionalObject(value, 'EngineVersion', 'InvalidRequestException');
  const selected = engine
    ? optionalString(engine, 'SelectedEngineVersion', 'InvalidRequestException')
    : undefined;
  if (selected !== undefined && !['AUTO', 'Athena engine version 3'].includes(selected))
    throw invalid(`The engine version ${selected.slice(0, 64)} is not supported.`);
  const cutoff = optionalNumber(value, 'BytesScannedCutoffPerQuery', 'InvalidRequestException');
  if (cutoff !== undefined && (!Number.isInteger(cutoff) || cutoff < MIN_BYTES_CUTOFF))
    throw invalid(
      `1 validation error detected: Value '${cutoff}' at 'configuration.bytesScannedCutoffPerQuery' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_BYTES_CUTOFF}`,
    );
  const enforce = optionalBoolean(value, 'EnforceWorkGroupConfiguration');
  const publishMetrics = optionalBoolean(value, 'PublishCloudWatchMetricsEnabled');
  return {
    ...(cutoff !== undefined ? { bytesCutoff: cutoff } : {}),
    ...(enforce !== undefined ? { enforce } : {}),
    ...(publishMetrics !== undefined ? { publishMetrics } : {}),
  };
}

const SHARED_MEMBERS = [
  'EnforceWorkGroupConfiguration',
  'PublishCloudWatchMetricsEnabled',
  'BytesScannedCutoffPerQuery',
  'RequesterPaysEnabled',
  'EngineVersion',
];

/** Refuses a member Seawall does not honour (result encryption, ACLs, Spark settings...). */
function onlyMembers(
  value: Record<string, unknown>,
  understood: string[],
  where: string,
  refuse: MemberRefusal,
) {
  const member = unexpectedMember(value, understood);
  // Configuration is CreateWorkGroup's member, ConfigurationUpdates UpdateWorkGroup's.
  const operation = where.startsWith('ConfigurationUpdates') ? 'UpdateWorkGroup' : 'CreateWorkGroup';
  if (member !== undefined) throw refuse(`The ${where}.${member.slice(0, 64)} member of ${operation}`);
}

/** CreateWorkGroup's Configuration, as far as Seawall honours it. */
export function configurationOf(input: JsonInput<'Configuration'>, refuse: MemberRefusal) {
  const configuration = optionalObject(input, 'Configuration', 'InvalidRequestException') ?? {};
  onlyMembers(configuration, ['ResultConfiguration', ...SHARED_MEMBERS], 'Configuration', refuse);
  const result = optionalObject(configuration, 'ResultConfiguration', 'InvalidRequestException') ?? {};
  onlyMembers(result, ['OutputLocation'], 'Configuration.ResultConfiguration', refuse);
  const outputLocation = optionalString(result, 'OutputLocation', 'InvalidRequestException');
  const settings = commonSettings(configuration, 'CreateWorkGroup', refuse);
  return {
    ...(outputLocation ? { outputLocation } : {}),
    ...(settings.bytesCutoff !== undefined ? { bytesCutoff: settings.bytesCutoff } : {}),
    enforce: settings.enforce === true,
    publishMetrics: settings.publishMetrics === true,
  };
}

/** UpdateWorkGroup's ConfigurationUpdates, as far as Seawall honours them. */
export function configurationUpdatesOf(
  input: JsonInput<'ConfigurationUpdates'>,
  refuse: MemberRefusal,
): WorkgroupUpdate {
  const updates = optionalObject(input, 'ConfigurationUpdates', 'InvalidRequestException') ?? {};
  onlyMembers(
    updates,
    ['ResultConfigurationUpdates', 'RemoveBytesScannedCutoffPerQuery', ...SHARED_MEMBERS],
    'ConfigurationUpdates',
    refuse,
  );
  const result = optionalObject(updates, 'ResultConfigurationUpdates', 'InvalidRequestException') ?? {};
  onlyMembers(
    result,
    ['OutputLocation', 'RemoveOutputLocation'],
    'ConfigurationUpdates.ResultConfigurationUpdates',
    refuse,
  );
  const outputLocation = optionalString(result, 'OutputLocation', 'InvalidRequestException');
  const removeOutput = optionalBoolean(result, 'RemoveOutputLocation') === true;
  const removeCutoff = optionalBoolean(updates, 'RemoveBytesScannedCutoffPerQuery') === true;
  const settings = commonSettings(updates, 'UpdateWorkGroup', refuse);
  if (removeCutoff && settings.bytesCutoff !== undefined)
    throw invalid('BytesScannedCutoffPerQuery and RemoveBytesScannedCutoffPerQuery cannot both be set.');
  if (removeOutput && outputLocation !== undefined)
    throw invalid('OutputLocation and RemoveOutputLocation cannot both be set.');
  return {
    ...settings,
    ...(removeCutoff ? { bytesCutoff: null } : {}),
    ...(outputLocation !== undefined ? { outputLocation } : removeOutput ? { outputLocation: null } : {}),
  };
}

/** A workgroup as GetWorkGroup answers it. */
export function workgroupOut(row: WorkgroupRow) {
  return {
    Name: row.name,
    State: row.state,
    Description: row.description,
    CreationTime: row.create_time / 1000,
    Configuration: {
      ResultConfiguration: row.output_location ? { OutputLocation: row.output_location } : {},
      EnforceWorkGroupConfiguration: row.enforce === 1,
      PublishCloudWatchMetricsEnabled: row.publish_metrics === 1,
      ...(row.bytes_cutoff !== null ? { BytesScannedCutoffPerQuery: Number(row.bytes_cutoff) } : {}),
      RequesterPaysEnabled: false,
      EngineVersion: ENGINE_VERSION,
    },
  };
}
