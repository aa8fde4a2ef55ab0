import { q, validationError } from '../lib/aws-query.js';
import type { OperationRequest } from '../lib/operation.js';
import { decodeOffset, encodeOffset } from '../lib/page-token.js';
import { iamOperation } from './iam-api-support.js';
import { encodeDocument, parseDocument } from './iam-documents.js';
import { groupView } from './iam-groups.js';
import { invalidInput, noSuchEntity, paging, shapes } from './iam-names.js';
import { roleView } from './iam-roles.js';
import type { IamService } from './iam-types.js';
import { userView } from './iam-users.js';
import { type ContextValue, evaluate, type Policy, type RequestPrincipal } from './policy/index.js';

const documentList = q.list(shapes.policyDocument, { max: 100 });
// AWS's member shapes: ActionNameType is 3–128 characters, ResourceNameType 1–2048.
const actionNames = q.list(q.string({ min: 3, max: 128 }), { max: 1000 });
const resourceArns = q.list(q.string({ min: 1, max: 2048 }), { max: 1000 });
/** Evaluations one simulation may ask for (actions × resources): each may run a hundred large documents. */
const MAX_EVALUATIONS = 1000;
/** Evaluations between yields to the event loop, so one simulation cannot hold up every other request. */
const YIELD_EVERY = 200;
const contextEntries = q.list(
  q.struct({
    ContextKeyName: q.string({ min: 5, max: 256 }),
    ContextKeyValues: q.list(q.string(), { max: 100 }),
    ContextKeyType: q.string({
      values: [
        'string',
        'stringList',
        'numeric',
        'numericList',
        'boolean',
        'booleanList',
        'ip',
        'ipList',
        'binary',
        'binaryList',
        'date',
        'dateList',
      ],
    }),
  }),
  { max: 100 },
);
const simulationInput = {
  PolicyInputList: documentList,
  PermissionsBoundaryPolicyInputList: documentList,
  ActionNames: { ...actionNames, required: true as const },
  ResourceArns: resourceArns,
  ResourcePolicy: q.string({ min: 1, max: 131072 }),
  ResourceOwner: q.string({ min: 1, max: 2048 }),
  CallerArn: q.string({ min: 1, max: 2048 }),
  ContextEntries: contextEntries,
  ...paging,
} as const;

type Simulation = {
  identity: Policy[];
  boundary?: Policy;
  principal: RequestPrincipal;
  resourcePolicy?: Policy;
  actions: string[];
  resources: string[];
  context: Record<string, ContextValue>;
};

/** The number of evaluations a simulation asks for, refused above the cap before any document is parsed. */
function checkEvaluations(actions: readonly string[], resources: readonly string[] | undefined): number {
  const total = actions.length * (resources ?? ['*']).length;
  if (total > MAX_EVALUATIONS)
    throw invalidInput(
      `The simulation asks for ${total} evaluations (actions × resources); at most ${MAX_EVALUATIONS} are allowed per request.`,
    );
  return total;
}

/** What both simulations take from the request alike: the resource policy, actions, resources and context. */
function requested(input: {
  ResourcePolicy?: string | undefined;
  ActionNames: string[];
  ResourceArns?: string[] | undefined;
  ContextEntries?: Parameters<typeof contextOf>[0];
}): Pick<Simulation, 'actions' | 'resources' | 'context'> & Partial<Pick<Simulation, 'resourcePolicy'>> {
  return {
    ...(input.ResourcePolicy ? { resourcePolicy: parseDocument(input.ResourcePolicy, 'resource') } : {}),
    actions: input.ActionNames,
    resources: input.ResourceArns ?? ['*'],
    context: contextOf(input.ContextEntries),
  };
}

/**
 * The page of a simulation's results that Marker and MaxItems ask for (results run action by action, each
 * over every resource): only that page is evaluated, yielding to the event loop as it goes.
 */
async function simulate(s: Simulation, paging: { Marker?: string; MaxItems?: number }) {
  const total = checkEvaluations(s.actions, s.resources);
  const start = decodeOffset(paging.Marker, () => validationError('Invalid Marker.'));
  const end = Math.min(total, start + (paging.MaxItems ?? 100));
  const results = [];
  for (let i = start; i < end; i++) {
    if (i > start && (i - start) % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    const action = s.actions[Math.floor(i / s.resources.length)] ?? '';
    const resource = s.resources[i % s.resources.length] ?? '';
    const decision = evaluate(
      { principal: s.principal, action, resource, context: s.context },
      {
        identity: s.identity,
        ...(s.boundary ? { boundary: s.boundary } : {}),
        ...(s.resourcePolicy ? { resource: [s.resourcePolicy] } : {}),
      },
    );
    results.push({
      EvalActionName: action,
      EvalResourceName: resource,
      EvalDecision:
        decision.effect === 'Allow'
          ? 'allowed'
          : decision.reason === 'explicit'
            ? 'explicitDeny'
            : 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: [],
    });
  }
  return {
    EvaluationResults: results,
    IsTruncated: end < total,
    ...(end < total ? { Marker: encodeOffset(end) } : {}),
  };
}

function contextOf(entries: { ContextKeyName?: string; ContextKeyValues?: string[] }[] | undefined) {
  const context: Record<string, ContextValue> = {};
  for (const entry of entries ?? []) {
    if (entry.ContextKeyName === undefined) continue;
    const values = entry.ContextKeyValues ?? [];
    context[entry.ContextKeyName] = values.length === 1 ? values[0] : values;
  }
  return context;
}

/** Simulation and the whole account's authorization details. */
export function accountOperations(iam: IamService) {
  async function principalPolicies(req: OperationRequest, arn: string) {
    const account = req.principal.accountId;
    const match = /^arn:aws:iam::(\d{12}):(user|group|role)(\/.*\/|\/)([^/]+)$/.exec(arn);
    if (!match || match[1] !== account) throw noSuchEntity(`Entity ${arn} does not exist.`);
    const [, , kind, path, name] = match as unknown as [string, string, string, string, string];
    // The entity the ARN names, path and all: the caller was authorized on this ARN, not on the name alone.
    const missing = () => noSuchEntity(`Entity ${arn} does not exist.`);
    if (kind === 'group') {
      const group = await iam.findGroup(account, name);
      if (group.path !== path) throw missing();
      const docs = [
        ...(await iam.inlinePolicies(group)).map((p) => p.document),
        ...(await Promise.all(
          (await iam.attachedPolicies(group)).map((p) => iam.defaultDocument(account, p.PolicyArn)),
        )),
      ].filter((d): d is string => d !== undefined);
      const principal: RequestPrincipal = { arn, accountId: account, type: 'IAMUser', userId: group.id };
      return { identity: docs.map((d) => parseDocument(d, 'identity')), principal };
    }
    if (kind === 'user') {
      const user = await iam.findUser(account, name);
      if (user.path !== path) throw missing();
      const principal = {
        accountId: account,
        arn,
        accessKeyId: '',
        type: 'IAMUser',
        userId: user.id,
        username: user.name,
      } as const;
      const context = await iam.authorizationContext(principal);
      return {
        identity: [...context.identity],
        ...(context.boundary ? { boundary: context.boundary } : {}),
        principal: {
          arn,
          accountId: account,
          type: 'IAMUser',
          userId: user.id,
          username: user.name,
        } as RequestPrincipal,
      };
    }
    const role = await iam.findRole(account, name);
    if (role.path !== path) throw missing();
    const docs = [
      ...(await iam.inlinePolicies(role)).map((p) => p.document),
      ...(await Promise.all(
        (await iam.attachedPolicies(role)).map((p) => iam.defaultDocument(account, p.PolicyArn)),
      )),
    ].filter((d): d is string => d !== undefined);
    const boundaryDoc = role.permissions_boundary
      ? await iam.defaultDocument(account, role.permissions_boundary)
      : undefined;
    return {
      identity: docs.map((d) => parseDocument(d, 'identity')),
      ...(boundaryDoc ? { boundary: parseDocument(boundaryDoc, 'boundary') } : {}),
      principal: {
        arn: `arn:aws:sts::${account}:assumed-role/${role.name}/simulation`,
        accountId: account,
        type: 'AssumedRole',
        userId: `${role.id}:simulation`,
        roleArn: arn,
      } as RequestPrincipal,
    };
  }

  return [
    iamOperation(iam, {
      name: 'SimulateCustomPolicy',
      input: { ...simulationInput, PolicyInputList: { ...documentList, required: true as const } },
      resources: () => ['*'],
      async handle(input, req) {
        checkEvaluations(input.ActionNames, input.ResourceArns);
        const account = req.principal.accountId;
        const boundaries = (input.PermissionsBoundaryPolicyInputList ?? []).map((d) =>
          parseDocument(d, 'boundary'),
        );
        if (boundaries.length > 1)
          throw validationError('Only one permissions boundary policy may be simulated.');
        const callerArn = input.CallerArn ?? `arn:aws:iam::${account}:user/simulated`;
        return simulate(
          {
            identity: input.PolicyInputList.map((d) => parseDocument(d, 'identity')),
            ...(boundaries[0] ? { boundary: boundaries[0] } : {}),
            principal: {
              arn: callerArn,
              accountId: account,
              type: 'IAMUser',
              userId: 'AIDASIMULATEDUSER0000',
            },
            ...requested(input),
          },
          input,
        );
      },
    }),
    iamOperation(iam, {
      name: 'SimulatePrincipalPolicy',
      input: { ...simulationInput, PolicySourceArn: shapes.policyArn },
      resources: (input) => [input.PolicySourceArn],
      async handle(input, req) {
        checkEvaluations(input.ActionNames, input.ResourceArns);
        const found = await principalPolicies(req, input.PolicySourceArn);
        const extra = (input.PolicyInputList ?? []).map((d) => parseDocument(d, 'identity'));
        return simulate(
          {
            ...found,
            identity: [...found.identity, ...extra],
            ...requested(input),
          },
          input,
        );
      },
    }),
    iamOperation(iam, {
      name: 'GetAccountAuthorizationDetails',
      input: {
        Filter: q.list(
          q.string({ values: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] }),
        ),
        ...paging,
      },
      resources: () => ['*'],
      async handle(input, req) {
        return accountDetails(iam, req.principal.accountId, input.Filter);
      },
    }),
  ];
}

async function accountDetails(iam: IamService, account: string, filter: string[] | undefined) {
  const want = (kind: string) => filter === undefined || filter.length === 0 || filter.includes(kind);
  const inline = async (id: string) =>
    (await iam.inlinePolicies({ id })).map((p) => ({
      PolicyName: p.name,
      PolicyDocument: encodeDocument(p.document),
    }));
  const users = [];
  if (want('User'))
    for (const view of await iam.listUsers(account)) {
      const user = await iam.findUser(account, view.UserName);
      users.push({
        ...userView(user, await iam.tagsOf(user.id)),
        UserPolicyList: await inline(user.id),
        GroupList: (await iam.groupsOfUser(user.id)).map((g) => g.name),
        AttachedManagedPolicies: await iam.attachedPolicies(user),
      });
    }
  const groups = [];
  if (want('Group'))
    for (const view of await iam.listGroups(account)) {
      const group = await iam.findGroup(account, view.GroupName);
      groups.push({
        ...groupView(group),
        GroupPolicyList: await inline(group.id),
        AttachedManagedPolicies: await iam.attachedPolicies(group),
      });
    }
  const roles = [];
  if (want('Role'))
    for (const view of await iam.listRoles(account)) {
      const role = await iam.findRole(account, view.RoleName);
      roles.push({
        ...roleView(role, { tags: await iam.tagsOf(role.id) }),
        InstanceProfileList: [],
        RolePolicyList: await inline(role.id),
        AttachedManagedPolicies: await iam.attachedPolicies(role),
      });
    }
  const policies = [];
  for (const view of await iam.listPolicies(account, {})) {
    const aws = view.Arn.startsWith('arn:aws:iam::aws:');
    if (
      aws
        ? !want('AWSManagedPolicy') || view.AttachmentCount + view.PermissionsBoundaryUsageCount === 0
        : !want('LocalManagedPolicy')
    )
      continue;
    const versions = [];
    for (const version of await iam.listPolicyVersions(account, view.Arn)) {
      const full = await iam.getPolicyVersion(account, view.Arn, version.VersionId);
      versions.push({ ...version, Document: encodeDocument(full.Document) });
    }
    policies.push({ ...view, PolicyVersionList: versions });
  }
  return {
    UserDetailList: users,
    GroupDetailList: groups,
    RoleDetailList: roles,
    Policies: policies,
    IsTruncated: false,
  };
}
