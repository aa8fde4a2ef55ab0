import type BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import {
  type AlarmRow,
  ANOMALY_COMPARISONS,
  awsTime,
  COMPARISONS,
  type CompositeAlarmInput,
  type Definition,
  HISTORY_DAYS,
  type MetricAlarmInput,
  NAME,
  SCHEMA,
  SNS_ARN,
  TREAT_MISSING,
} from './alarm-definition.js';
import { alarmNotification, judgeMetricAlarm, mathPeriod } from './alarm-evaluation.js';
import {
  AlarmRuleError,
  type AlarmState,
  evaluateAlarmRule,
  parseAlarmRule,
  ruleAlarms,
} from './alarm-rule.js';
import {
  invalidNextToken,
  invalidParameterCombination,
  invalidParameterValue,
  limitExceeded,
  missingParameter,
  resourceNotFound,
  resourceNotFoundException,
} from './cloudwatch-errors.js';
import { checkPeriod, evaluateMetricData } from './metric-data.js';
import { parseStatistic } from './metric-distribution.js';
import type { Dimension, MetricStore } from './metric-store.js';

/**
 * CloudWatch alarms: metric alarms (one metric, or metric math) and composite alarms (an AlarmRule over other
 * alarms), their states and history, evaluated on a clock every minute (tests drive the clock and call
 * `evaluate`), with actions published to SNS topics as CloudWatch words them.
 */

export type { AlarmState, CompositeAlarmInput, MetricAlarmInput };

export interface AlarmService {
  putMetricAlarm(input: MetricAlarmInput): void;
  putCompositeAlarm(input: CompositeAlarmInput): void;
  describeAlarms(input: {
    AlarmNames?: string[];
    AlarmNamePrefix?: string;
    AlarmTypes?: string[];
    StateValue?: string;
    ActionPrefix?: string;
    ChildrenOfAlarmName?: string;
    ParentsOfAlarmName?: string;
    MaxRecords?: number;
    NextToken?: string;
  }): { MetricAlarms: object[]; CompositeAlarms: object[]; NextToken?: string };
  describeAlarmsForMetric(input: {
    MetricName: string;
    Namespace: string;
    Statistic?: string;
    ExtendedStatistic?: string;
    Dimensions?: Dimension[];
    Period?: number;
    Unit?: string;
  }): { MetricAlarms: object[] };
  deleteAlarms(names: readonly string[]): void;
  describeAlarmHistory(input: {
    AlarmName?: string;
    AlarmTypes?: string[];
    HistoryItemType?: string;
    StartDate?: Date;
    EndDate?: Date;
    MaxRecords?: number;
    NextToken?: string;
    ScanBy?: string;
  }): { AlarmHistoryItems: object[]; NextToken?: string };
  setAlarmState(name: string, state: string, reason: string, reasonData: string | undefined): Promise<void>;
  setActionsEnabled(names: readonly string[], enabled: boolean): void;
  tags(arn: string): { Key: string; Value: string }[];
  tag(arn: string, tags: readonly { Key: string; Value: string }[]): void;
  untag(arn: string, keys: readonly string[]): void;
  arn(name: string): string;
  /** Evaluates every alarm at the clock's time; state changes run their actions. */
  evaluate(): Promise<void>;
}

/**
 * CloudWatch's bound on an alarm's evaluation range (Period × EvaluationPeriods): seven days, and one day for a
 * period under an hour.
 */
function checkEvaluationRange(period: number, evaluationPeriods: number): void {
  const day = period < 3600;
  if (period * evaluationPeriods > (day ? 86_400 : 7 * 86_400))
    throw invalidParameterValue(
      day
        ? 'The evaluation range (Period × EvaluationPeriods) must not exceed 1 day (86,400 seconds) for a period under an hour.'
        : 'The evaluation range (Period × EvaluationPeriods) must not exceed 7 days (604,800 seconds).',
    );
}

/** A metric math alarm's period: its returned query's, else the shortest of the metrics it reads. */
export function createAlarmService(deps: {
  db: BetterSqlite3.Database;
  metrics: MetricStore;
  now: () => number;
  logger: Logger;
  accountId: string;
  region: string;
  publish: (
    topicArn: string,
    message: { subject: string; message: string },
    alarmArn: string,
  ) => Promise<void>;
}): AlarmService {
  const { db } = deps;
  db.exec(SCHEMA);
  const arn = (name: string) => `arn:aws:cloudwatch:${deps.region}:${deps.accountId}:alarm:${name}`;
  const place = { region: deps.region, accountId: deps.accountId, arn };
  const select = db.prepare<[string], AlarmRow>('SELECT * FROM alarms WHERE name = ?');
  const all = db.prepare<[], AlarmRow>('SELECT * FROM alarms ORDER BY name');
  const upsert = db.prepare(
    `INSERT INTO alarms (name, kind, definition, tags, actions_enabled, state, state_reason, state_reason_data,
       state_updated, state_transitioned, config_updated)
     VALUES (@name, @kind, @definition, @tags, @actions_enabled, @state, @state_reason, @state_reason_data,
       @state_updated, @state_transitioned, @config_updated)
     ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, definition = excluded.definition,
       actions_enabled = excluded.actions_enabled, config_updated = excluded.config_updated`,
  );
  const setState = db.prepare(
    `UPDATE alarms SET state = ?, state_reason = ?, state_reason_data = ?, state_updated = ?,
       state_transitioned = CASE WHEN state = ? THEN state_transitioned ELSE ? END WHERE name = ?`,
  );
  const addHistory = db.prepare(
    'INSERT INTO alarm_history (alarm_name, alarm_kind, time, item_type, summary, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const pruneHistory = db.prepare('DELETE FROM alarm_history WHERE time < ?');

  const definitionOf = (row: AlarmRow) => JSON.parse(row.definition) as Definition;

  function checkActions(input: {
    OKActions?: string[];
    AlarmActions?: string[];
    InsufficientDataActions?: string[];
  }) {
    for (const [member, list] of [
      ['OKActions', input.OKActions],
      ['AlarmActions', input.AlarmActions],
      ['InsufficientDataActions', input.InsufficientDataActions],
    ] as const) {
      if ((list?.length ?? 0) > 5) throw limitExceeded(`The maximum number of ${member} is 5.`);
      for (const action of list ?? [])
        if (!SNS_ARN.test(action))
          throw invalidParameterValue(
            `Invalid ${member} action: ${action.slice(0, 256)}. Seawall performs SNS topic actions only (arn:aws:sns:region:account:topic).`,
          );
    }
  }

  function checkName(name: string): void {
    if (!NAME.test(name))
      throw invalidParameterValue('The parameter AlarmName must be 1 to 255 printable characters.');
  }

  function store(
    kind: Definition['kind'],
    definition: Definition,
    tags: { Key: string; Value: string }[] | undefined,
  ) {
    const now = deps.now();
    const existing = select.get(definition.AlarmName);
    const merged = new Map(
      (existing ? (JSON.parse(existing.tags) as { Key: string; Value: string }[]) : []).map((t) => [
        t.Key,
        t.Value,
      ]),
    );
    for (const tag of tags ?? []) merged.set(tag.Key, tag.Value);
    db.transaction(() => {
      upsert.run({
        name: definition.AlarmName,
        kind,
        definition: JSON.stringify(definition),
        tags: JSON.stringify([...merged].map(([Key, Value]) => ({ Key, Value }))),
        actions_enabled: definition.ActionsEnabled === false ? 0 : 1,
        state: 'INSUFFICIENT_DATA',
        state_reason: 'Unchecked: Initial alarm creation',
        state_reason_data: null,
        state_updated: now,
        state_transitioned: now,
        config_updated: now,
      });
      if (existing)
        db.prepare('UPDATE alarms SET tags = ? WHERE name = ?').run(
          JSON.stringify([...merged].map(([Key, Value]) => ({ Key, Value }))),
          definition.AlarmName,
        );
      addHistory.run(
        definition.AlarmName,
        kind,
        now,
        'ConfigurationUpdate',
        `Alarm "${definition.AlarmName}" ${existing ? 'updated' : 'created'}`,
        JSON.stringify({
          version: '1.0',
          type: existing ? 'Update' : 'Create',
          ...(existing ? { originalConfiguration: configJson(definitionOf(existing)) } : {}),
          [existing ? 'updatedConfiguration' : 'createdAlarm']: configJson(definition),
        }),
      );
    })();
  }

  function configJson(definition: Definition): Record<string, unknown> {
    const { kind: _kind, ...rest } = definition;
    return { ...rest, alarmName: definition.AlarmName };
  }

  /** An alarm as DescribeAlarms answers it: its definition, its ARN, and its state. */
  function alarmOut(row: AlarmRow, definition: Definition) {
    const { kind, ...input } = definition;
    return {
      ...input,
      AlarmArn: arn(row.name),
      ActionsEnabled: row.actions_enabled === 1,
      OKActions: input.OKActions ?? [],
      AlarmActions: input.AlarmActions ?? [],
      InsufficientDataActions: input.InsufficientDataActions ?? [],
      ...(kind === 'MetricAlarm' && !definition.Metrics ? { Dimensions: definition.Dimensions ?? [] } : {}),
      AlarmConfigurationUpdatedTimestamp: new Date(row.config_updated),
      StateValue: row.state,
      StateReason: row.state_reason,
      ...(row.state_reason_data ? { StateReasonData: row.state_reason_data } : {}),
      StateUpdatedTimestamp: new Date(row.state_updated),
      StateTransitionedTimestamp: new Date(row.state_transitioned),
    };
  }

  /** Moves an alarm to a state, records it, and runs the new state's actions when enabled and the state changed. */
  async function transition(
    row: AlarmRow,
    state: AlarmState,
    reason: string,
    reasonData: string | null,
  ): Promise<void> {
    const now = deps.now();
    const changed = row.state !== state;
    if (!changed && row.state_reason === reason) return;
    const definition = definitionOf(row);
    db.transaction(() => {
      setState.run(state, reason, reasonData, now, state, now, row.name);
      if (changed)
        addHistory.run(
          row.name,
          row.kind,
          now,
          'StateUpdate',
          `Alarm updated from ${row.state} to ${state}`,
          JSON.stringify({
            version: '1.0',
            oldState: {
              stateValue: row.state,
              stateReason: row.state_reason,
              ...(row.state_reason_data ? { stateReasonData: JSON.parse(row.state_reason_data) } : {}),
            },
            newState: {
              stateValue: state,
              stateReason: reason,
              ...(reasonData ? { stateReasonData: JSON.parse(reasonData) } : {}),
            },
          }),
        );
    })();
    if (!changed || row.actions_enabled !== 1) return;
    const actions =
      state === 'ALARM'
        ? definition.AlarmActions
        : state === 'OK'
          ? definition.OKActions
          : definition.InsufficientDataActions;
    for (const topic of actions ?? []) {
      const message = alarmNotification(place, row, definition, state, reason, reasonData, now);
      try {
        await deps.publish(topic, message, arn(row.name));
        addHistory.run(
          row.name,
          row.kind,
          deps.now(),
          'Action',
          `Successfully executed action ${topic}`,
          JSON.stringify({
            actionState: 'Succeeded',
            notificationResource: topic,
            stateUpdateTimestamp: now,
          }),
        );
      } catch (error) {
        deps.logger.warn({ err: error, alarm: row.name }, 'an alarm action failed');
        addHistory.run(
          row.name,
          row.kind,
          deps.now(),
          'Action',
          `Failed to execute action ${topic}`,
          JSON.stringify({
            actionState: 'Failed',
            notificationResource: topic,
            stateUpdateTimestamp: now,
            error: (error as Error).message.slice(0, 256),
          }),
        );
      }
    }
  }

  function rows(): AlarmRow[] {
    return all.all();
  }

  return {
    arn,
    putMetricAlarm(input) {
      checkName(input.AlarmName);
      checkActions(input);
      if (ANOMALY_COMPARISONS.includes(input.ComparisonOperator) || input.ThresholdMetricId !== undefined)
        throw invalidParameterValue('Anomaly detection alarms are not implemented by Seawall.');
      if (!(input.ComparisonOperator in COMPARISONS))
        throw invalidParameterValue(
          `The value ${input.ComparisonOperator.slice(0, 64)} for parameter ComparisonOperator is not valid.`,
        );
      if (input.Threshold === undefined) throw missingParameter('The parameter Threshold is required.');
      if (input.EvaluationPeriods < 1)
        throw invalidParameterValue('The parameter EvaluationPeriods must be at least 1.');
      if (
        input.DatapointsToAlarm !== undefined &&
        (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > input.EvaluationPeriods)
      )
        throw invalidParameterValue('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
      if (input.TreatMissingData !== undefined && !TREAT_MISSING.includes(input.TreatMissingData))
        throw invalidParameterValue(
          `The value ${input.TreatMissingData.slice(0, 64)} for parameter TreatMissingData is not valid.`,
        );
      if (
        input.EvaluateLowSampleCountPercentile !== undefined &&
        !['evaluate', 'ignore'].includes(input.EvaluateLowSampleCountPercentile)
      )
        throw invalidParameterValue('EvaluateLowSampleCountPercentile must be evaluate or ignore.');
      // Percentile alarms are always evaluated, however few the samples: `ignore` would be accepted and not done.
      if (input.EvaluateLowSampleCountPercentile === 'ignore')
        throw invalidParameterValue('EvaluateLowSampleCountPercentile ignore is not implemented by Seawall.');
      const single = input.MetricName !== undefined || input.Namespace !== undefined;
      if (input.Metrics !== undefined) {
        if (
          single ||
          input.Statistic !== undefined ||
          input.ExtendedStatistic !== undefined ||
          input.Period !== undefined ||
          input.Dimensions !== undefined
        )
          throw invalidParameterCombination(
            'The parameters Metrics and MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions and Period are mutually exclusive.',
          );
        const returned = input.Metrics.filter((q) => q.ReturnData !== false);
        if (returned.length !== 1)
          throw invalidParameterValue('Exactly one element of the metrics list should return data.');
        // Checked now as GetMetricData would check it, so a bad expression is refused rather than stored.
        const now = deps.now();
        evaluateMetricData(deps.metrics, input.Metrics, new Date(now - 60_000), new Date(now), now);
        const period = mathPeriod(input.Metrics);
        if (period === undefined)
          throw missingParameter(
            'The metric that returns data must have a Period, or read a metric that has one.',
          );
        checkEvaluationRange(period, input.EvaluationPeriods);
      } else {
        if (input.MetricName === undefined || input.Namespace === undefined)
          throw missingParameter(
            'The parameters MetricName and Namespace are required unless Metrics is given.',
          );
        if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined))
          throw invalidParameterCombination(
            'Exactly one of the parameters Statistic and ExtendedStatistic must be specified.',
          );
        if (
          input.Statistic !== undefined &&
          !['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'].includes(input.Statistic)
        )
          throw invalidParameterValue(
            `The value ${input.Statistic.slice(0, 64)} for parameter Statistic is not valid.`,
          );
        if (input.ExtendedStatistic !== undefined && !parseStatistic(input.ExtendedStatistic))
          throw invalidParameterValue(
            `The value ${input.ExtendedStatistic.slice(0, 64)} for parameter ExtendedStatistic is not valid.`,
          );
        if (input.Period === undefined) throw missingParameter('The parameter Period is required.');
        checkPeriod(input.Period, 'Period');
        if (input.Period < 10)
          throw invalidParameterValue('The parameter Period must be 10, 30 or a multiple of 60.');
        checkEvaluationRange(input.Period, input.EvaluationPeriods);
      }
      const { Tags, ...definition } = input;
      store('MetricAlarm', { kind: 'MetricAlarm', ...definition }, Tags);
    },
    putCompositeAlarm(input) {
      checkName(input.AlarmName);
      checkActions(input);
      let rule: ReturnType<typeof parseAlarmRule>;
      try {
        rule = parseAlarmRule(input.AlarmRule);
      } catch (error) {
        if (error instanceof AlarmRuleError) throw invalidParameterValue(error.message);
        throw error;
      }
      for (const child of ruleAlarms(rule)) {
        if (child === input.AlarmName)
          throw invalidParameterValue('A composite alarm cannot name itself in its AlarmRule.');
        if (!select.get(child))
          throw invalidParameterValue(`The alarm ${child.slice(0, 255)} in the AlarmRule does not exist.`);
      }
      const { Tags, ...definition } = input;
      store('CompositeAlarm', { kind: 'CompositeAlarm', ...definition }, Tags);
    },
    describeAlarms(input) {
      const types = input.AlarmTypes ?? ['MetricAlarm'];
      for (const type of types)
        if (type !== 'MetricAlarm' && type !== 'CompositeAlarm')
          throw invalidParameterValue(
            `The value ${type.slice(0, 64)} for parameter AlarmTypes is not valid.`,
          );
      if (input.AlarmNames && input.AlarmNamePrefix !== undefined)
        throw invalidParameterCombination(
          'The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.',
        );
      const max = input.MaxRecords ?? 50;
      if (max < 1 || max > 100)
        throw invalidParameterValue('The parameter MaxRecords must be between 1 and 100.');
      let after = '';
      if (input.NextToken !== undefined) {
        try {
          after = Buffer.from(input.NextToken, 'base64url').toString('utf8');
        } catch {
          throw invalidNextToken();
        }
        if (!NAME.test(after)) throw invalidNextToken();
      }
      let children: Set<string> | undefined;
      let parents: Set<string> | undefined;
      // Paged by name in JavaScript's order, the order the NextToken comparison below uses (SQLite's differs
      // for characters beyond the Basic Multilingual Plane).
      const everything = rows().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (input.ChildrenOfAlarmName !== undefined) {
        const parent = everything.find(
          (r) => r.name === input.ChildrenOfAlarmName && r.kind === 'CompositeAlarm',
        );
        const def = parent && (definitionOf(parent) as Extract<Definition, { kind: 'CompositeAlarm' }>);
        children = new Set(def ? ruleAlarms(parseAlarmRule(def.AlarmRule)) : []);
      }
      if (input.ParentsOfAlarmName !== undefined)
        parents = new Set(
          everything
            .filter(
              (r) =>
                r.kind === 'CompositeAlarm' &&
                ruleAlarms(parseAlarmRule((definitionOf(r) as { AlarmRule: string }).AlarmRule)).includes(
                  input.ParentsOfAlarmName as string,
                ),
            )
            .map((r) => r.name),
        );
      const matching = everything.filter((row) => {
        if (row.name <= after && after !== '') return false;
        if (!types.includes(row.kind)) return false;
        if (input.AlarmNames && !input.AlarmNames.includes(row.name)) return false;
        if (input.AlarmNamePrefix !== undefined && !row.name.startsWith(input.AlarmNamePrefix)) return false;
        if (input.StateValue !== undefined && row.state !== input.StateValue) return false;
        if (children && !children.has(row.name)) return false;
        if (parents && !parents.has(row.name)) return false;
        if (input.ActionPrefix !== undefined) {
          const def = definitionOf(row);
          if (
            ![
              ...(def.AlarmActions ?? []),
              ...(def.OKActions ?? []),
              ...(def.InsufficientDataActions ?? []),
            ].some((a) => a.startsWith(input.ActionPrefix as string))
          )
            return false;
        }
        return true;
      });
      const page = matching.slice(0, max);
      const MetricAlarms: object[] = [];
      const CompositeAlarms: object[] = [];
      for (const row of page) {
        const def = definitionOf(row);
        if (def.kind === 'MetricAlarm') MetricAlarms.push(alarmOut(row, def));
        else CompositeAlarms.push(alarmOut(row, def));
      }
      const last = page.at(-1);
      return {
        MetricAlarms,
        CompositeAlarms,
        ...(matching.length > max && last ? { NextToken: Buffer.from(last.name).toString('base64url') } : {}),
      };
    },
    describeAlarmsForMetric(input) {
      const key = (dims: readonly Dimension[] | undefined) =>
        JSON.stringify([...(dims ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : 1)));
      const MetricAlarms = rows()
        .filter((row) => row.kind === 'MetricAlarm')
        .map((row) => [row, definitionOf(row) as Extract<Definition, { kind: 'MetricAlarm' }>] as const)
        .filter(
          ([, def]) =>
            def.MetricName === input.MetricName &&
            def.Namespace === input.Namespace &&
            (input.Statistic === undefined || def.Statistic === input.Statistic) &&
            (input.ExtendedStatistic === undefined || def.ExtendedStatistic === input.ExtendedStatistic) &&
            (input.Dimensions === undefined || key(def.Dimensions) === key(input.Dimensions)) &&
            (input.Period === undefined || def.Period === input.Period) &&
            (input.Unit === undefined || def.Unit === input.Unit),
        )
        .map(([row, def]) => alarmOut(row, def));
      return { MetricAlarms };
    },
    deleteAlarms(names) {
      const missing = names.filter((name) => !select.get(name));
      if (missing.length > 0)
        throw resourceNotFound(
          `The alarm${missing.length > 1 ? 's' : ''} ${missing.join(', ').slice(0, 1024)} do${missing.length > 1 ? '' : 'es'} not exist.`,
        );
      for (const row of rows())
        if (row.kind === 'CompositeAlarm' && !names.includes(row.name)) {
          const uses = ruleAlarms(
            parseAlarmRule((definitionOf(row) as { AlarmRule: string }).AlarmRule),
          ).filter((child) => names.includes(child));
          if (uses.length > 0)
            throw invalidParameterValue(
              `The alarm ${uses[0]} is used in the AlarmRule of the composite alarm ${row.name}; change or delete that alarm first.`,
            );
        }
      db.transaction(() => {
        for (const name of names) db.prepare('DELETE FROM alarms WHERE name = ?').run(name);
      })();
    },
    describeAlarmHistory(input) {
      const max = input.MaxRecords ?? 100;
      if (max < 1 || max > 100)
        throw invalidParameterValue('The parameter MaxRecords must be between 1 and 100.');
      if (
        input.HistoryItemType !== undefined &&
        !['ConfigurationUpdate', 'StateUpdate', 'Action'].includes(input.HistoryItemType)
      )
        throw invalidParameterValue(
          `The value ${input.HistoryItemType.slice(0, 64)} for parameter HistoryItemType is not valid.`,
        );
      const ascending = input.ScanBy === 'TimestampAscending';
      let cursor: number | undefined;
      if (input.NextToken !== undefined) {
        const match = /^h-(\d{1,15})$/.exec(input.NextToken);
        if (!match) throw invalidNextToken();
        cursor = Number(match[1]);
      }
      const where = ['1 = 1'];
      const args: (string | number)[] = [];
      if (input.AlarmName !== undefined) {
        where.push('alarm_name = ?');
        args.push(input.AlarmName);
      }
      if (input.AlarmTypes) {
        where.push(`alarm_kind IN (${input.AlarmTypes.map(() => '?').join(', ')})`);
        args.push(...input.AlarmTypes);
      }
      if (input.HistoryItemType !== undefined) {
        where.push('item_type = ?');
        args.push(input.HistoryItemType);
      }
      if (input.StartDate) {
        where.push('time >= ?');
        args.push(input.StartDate.getTime());
      }
      if (input.EndDate) {
        where.push('time <= ?');
        args.push(input.EndDate.getTime());
      }
      if (cursor !== undefined) {
        where.push(ascending ? 'id > ?' : 'id < ?');
        args.push(cursor);
      }
      const found = db
        .prepare<
          (string | number)[],
          {
            id: number;
            alarm_name: string;
            alarm_kind: string;
            time: number;
            item_type: string;
            summary: string;
            data: string;
          }
        >(
          `SELECT * FROM alarm_history WHERE ${where.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
        )
        .all(...args, max + 1);
      const page = found.slice(0, max);
      const last = page.at(-1);
      return {
        AlarmHistoryItems: page.map((item) => ({
          AlarmName: item.alarm_name,
          AlarmType: item.alarm_kind,
          Timestamp: new Date(item.time),
          HistoryItemType: item.item_type,
          HistorySummary: item.summary,
          HistoryData: item.data,
        })),
        ...(found.length > max && last ? { NextToken: `h-${last.id}` } : {}),
      };
    },
    async setAlarmState(name, state, reason, reasonData) {
      const row = select.get(name);
      if (!row) throw resourceNotFound(`Alarm ${name.slice(0, 255)} does not exist`);
      if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA')
        throw invalidParameterValue(`The value ${state.slice(0, 64)} for parameter StateValue is not valid.`);
      if (reasonData !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(reasonData);
        } catch {
          throw invalidParameterValue('The parameter StateReasonData must be a JSON object.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw invalidParameterValue('The parameter StateReasonData must be a JSON object.');
      }
      await transition(row, state, reason, reasonData ?? null);
      await evaluateComposites();
    },
    setActionsEnabled(names, enabled) {
      for (const name of names)
        db.prepare('UPDATE alarms SET actions_enabled = ? WHERE name = ?').run(enabled ? 1 : 0, name);
    },
    tags(resource) {
      const row = rowOfArn(resource);
      return JSON.parse(row.tags) as { Key: string; Value: string }[];
    },
    tag(resource, tags) {
      const row = rowOfArn(resource);
      const merged = new Map(
        (JSON.parse(row.tags) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
      );
      for (const tag of tags) merged.set(tag.Key, tag.Value);
      if (merged.size > 50) throw limitExceeded('An alarm can have at most 50 tags.');
      db.prepare('UPDATE alarms SET tags = ? WHERE name = ?').run(
        JSON.stringify([...merged].map(([Key, Value]) => ({ Key, Value }))),
        row.name,
      );
    },
    untag(resource, keys) {
      const row = rowOfArn(resource);
      const kept = (JSON.parse(row.tags) as { Key: string; Value: string }[]).filter(
        (t) => !keys.includes(t.Key),
      );
      db.prepare('UPDATE alarms SET tags = ? WHERE name = ?').run(JSON.stringify(kept), row.name);
    },
    async evaluate() {
      const now = deps.now();
      for (const row of rows()) {
        if (row.kind !== 'MetricAlarm') continue;
        try {
          const verdict = judgeMetricAlarm(
            deps.metrics,
            definitionOf(row) as Extract<Definition, { kind: 'MetricAlarm' }>,
            now,
          );
          if (verdict) await transition(row, verdict.state, verdict.reason, verdict.reasonData);
        } catch (error) {
          // A definition stored earlier that can no longer be evaluated (a function since withdrawn): the
          // alarm cannot know its state, and says why, as it would of a request with that definition.
          if (error instanceof AppError && error.status === 400)
            await transition(
              row,
              'INSUFFICIENT_DATA',
              `Unable to evaluate the alarm's metrics: ${error.message}`,
              null,
            );
          else deps.logger.warn({ err: error, alarm: row.name }, 'could not evaluate an alarm');
        }
      }
      await evaluateComposites();
      pruneHistory.run(now - HISTORY_DAYS * 86_400_000);
    },
  };

  function rowOfArn(resource: string): AlarmRow {
    const match = /^arn:aws:cloudwatch:([^:]*):(\d{12}):alarm:(.+)$/.exec(resource);
    const row =
      match && match[1] === deps.region && match[2] === deps.accountId
        ? select.get(match[3] as string)
        : undefined;
    if (!row) throw resourceNotFoundException(`The resource ${resource.slice(0, 512)} does not exist.`);
    return row;
  }

  /** Composite alarms follow their children: evaluated until nothing changes (a rule over composites included). */
  async function evaluateComposites(): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      let changed = false;
      const states = new Map(rows().map((r) => [r.name, r.state]));
      for (const row of rows()) {
        if (row.kind !== 'CompositeAlarm') continue;
        const def = definitionOf(row) as Extract<Definition, { kind: 'CompositeAlarm' }>;
        const rule = parseAlarmRule(def.AlarmRule);
        const firing = evaluateAlarmRule(rule, (name) => states.get(name));
        const state: AlarmState = firing ? 'ALARM' : 'OK';
        if (state === row.state) continue;
        const triggering = ruleAlarms(rule).filter((child) => states.get(child) !== undefined);
        const reason = `${triggering
          .map((child) => `${arn(child)} is in ${states.get(child)}`)
          .join(', ')
          .slice(0, 1000)}; the alarm rule evaluated to ${firing ? 'TRUE' : 'FALSE'}`;
        const reasonData = JSON.stringify({
          triggeringAlarms: triggering.map((child) => ({
            arn: arn(child),
            state: { value: states.get(child), timestamp: awsTime(deps.now()) },
          })),
        });
        await transition(row, state, reason, reasonData);
        states.set(row.name, state);
        changed = true;
      }
      if (!changed) return;
    }
  }
}
