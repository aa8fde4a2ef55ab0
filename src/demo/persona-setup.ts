import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyVersionCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListPolicyVersionsCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { dataDirLayout } from '../data-dir.js';
import { iniSection, readTextIfAny, setIniSection, writePrivateFile } from './aws-profiles.js';
import {
  PERSONAS,
  type Persona,
  PIPELINE_ROLE,
  PIPELINE_TRUST,
  type PolicyDocument,
  type PolicyScope,
  pipelinePolicy,
  pipelineRoleArn,
} from './personas.js';
import type { DemoTarget } from './pipeline.js';

/** The data directory's files the personas go into (the aws cli's shared files, and console passwords). */
export interface PersonaFiles {
  readonly credentials: string;
  readonly config: string;
  /** 0600, one section per persona: account, user name and the first console password. */
  readonly passwords: string;
}

export function personaFiles(dataDir: string): PersonaFiles {
  const layout = dataDirLayout(dataDir);
  return {
    credentials: layout.credentials,
    config: layout.awsConfig,
    passwords: join(layout.root, 'console-passwords'),
  };
}

export interface PersonaOutcome {
  readonly persona: Persona;
  /** Whether this run made its access key (false: the profile's key was there and still valid). */
  readonly newKey: boolean;
  /** Whether this run made its console password (written to the passwords file). */
  readonly newPassword: boolean;
}

const alreadyThere = (error: Error) => {
  if (error.name !== 'EntityAlreadyExistsException' && error.name !== 'EntityAlreadyExists') throw error;
};

/** The primary workgroup's results bucket, as its output location names it. */
async function resultsBucket(athena: AthenaClient): Promise<string> {
  const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
  const location = WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation ?? '';
  const bucket = /^s3:\/\/([^/]+)/.exec(location)?.[1];
  if (!bucket) throw new Error(`the primary workgroup has no results location (${location || 'none'})`);
  return bucket;
}

const canonical = (text: string) => JSON.stringify(JSON.parse(text));

/**
 * A customer managed policy with this document: made when missing, given a new default version when its
 * document changed (a newer Seawall's), left alone otherwise. IAM keeps five versions, so the oldest goes.
 */
async function ensureManagedPolicy(
  iam: IAMClient,
  accountId: string,
  name: string,
  description: string,
  document: PolicyDocument,
): Promise<string> {
  const arn = `arn:aws:iam::${accountId}:policy/${name}`;
  const text = JSON.stringify(document);
  const made = await iam
    .send(new CreatePolicyCommand({ PolicyName: name, Description: description, PolicyDocument: text }))
    .then(
      () => true,
      (error: Error) => {
        alreadyThere(error);
        return false;
      },
    );
  if (made) return arn;
  const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const { PolicyVersion } = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: Policy?.DefaultVersionId }),
  );
  if (canonical(decodeURIComponent(PolicyVersion?.Document ?? '{}')) === canonical(text)) return arn;
  const { Versions = [] } = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  const oldest = Versions.filter((v) => !v.IsDefaultVersion).sort(
    (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
  )[0];
  if (Versions.length >= 5 && oldest)
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }));
  await iam.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: text, SetAsDefault: true }),
  );
  return arn;
}

/** A console password that meets IAM's default policy: 20 characters of all four kinds. */
function consolePassword(): string {
  const symbols = '!@#$%^&*-_=+';
  const base = randomBytes(15).toString('base64url').replace(/[-_]/g, '');
  const parts = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', symbols].map(
    (kind) => kind[randomInt(kind.length)],
  );
  return `${base}${parts.join('')}`.slice(-20);
}

/** The persona's user, in its group, with the group's policy attached; idempotent. */
async function ensureIdentity(iam: IAMClient, persona: Persona, scope: PolicyScope): Promise<void> {
  const policyArn =
    'arn' in persona.policy
      ? persona.policy.arn
      : await ensureManagedPolicy(
          iam,
          scope.accountId,
          persona.policy.name,
          persona.policy.description,
          persona.policy.document(scope),
        );
  await iam.send(new CreateGroupCommand({ GroupName: persona.group })).catch(alreadyThere);
  await iam.send(new AttachGroupPolicyCommand({ GroupName: persona.group, PolicyArn: policyArn }));
  await iam
    .send(
      new CreateUserCommand({ UserName: persona.user, Tags: [{ Key: 'seawall:demo', Value: 'persona' }] }),
    )
    .catch(alreadyThere);
  await iam.send(new AddUserToGroupCommand({ GroupName: persona.group, UserName: persona.user }));
}

/**
 * Its access key, kept when the profile's key is still the user's; otherwise a new one, written to the
 * credentials file at once (its secret is shown only when made). Answers the new credentials text, if any.
 */
async function ensureAccessKey(
  iam: IAMClient,
  persona: Persona,
  credentialsText: string,
): Promise<string | undefined> {
  const written = iniSection(credentialsText, persona.profile)?.aws_access_key_id;
  const { AccessKeyMetadata = [] } = await iam.send(new ListAccessKeysCommand({ UserName: persona.user }));
  if (AccessKeyMetadata.some((key) => key.AccessKeyId === written && key.Status === 'Active'))
    return undefined;
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: persona.user }));
  return setIniSection(credentialsText, persona.profile, {
    aws_access_key_id: AccessKey?.AccessKeyId ?? '',
    aws_secret_access_key: AccessKey?.SecretAccessKey ?? '',
  });
}

async function policyScope(target: DemoTarget): Promise<PolicyScope> {
  const common = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
  const sts = new STSClient(common);
  const athena = new AthenaClient(common);
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    return { accountId: Account ?? '', region: target.region, resultsBucket: await resultsBucket(athena) };
  } finally {
    sts.destroy();
    athena.destroy();
  }
}

/**
 * The service role the demo's crawler and recipe jobs run as, trusting only Glue and DataBrew, with its
 * inline policy as personas.ts writes it (set again on every start, so a newer Seawall's takes effect).
 */
export async function ensurePipelineRole(target: DemoTarget): Promise<string> {
  const scope = await policyScope(target);
  const iam = new IAMClient({
    endpoint: target.endpoint,
    region: target.region,
    credentials: target.credentials,
  });
  try {
    const trust = JSON.stringify(PIPELINE_TRUST);
    const made = await iam
      .send(new CreateRoleCommand({ RoleName: PIPELINE_ROLE, AssumeRolePolicyDocument: trust }))
      .then(
        () => true,
        (error: Error) => {
          alreadyThere(error);
          return false;
        },
      );
    if (!made)
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: PIPELINE_ROLE, PolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: PIPELINE_ROLE,
        PolicyName: 'SeawallDemoPipeline',
        PolicyDocument: JSON.stringify(pipelinePolicy(scope)),
      }),
    );
    return pipelineRoleArn(scope.accountId);
  } finally {
    iam.destroy();
  }
}

/**
 * Creates the city team's personas through the IAM API as the account's root: each one's policy, group,
 * user, access key (as an aws cli profile beside `seawall`) and console password (in a 0600 file, never
 * printed). A second run changes nothing that is already right, and never replaces a working key.
 */
export async function ensurePersonas(target: DemoTarget, files: PersonaFiles): Promise<PersonaOutcome[]> {
  const scope = await policyScope(target);
  const iam = new IAMClient({
    endpoint: target.endpoint,
    region: target.region,
    credentials: target.credentials,
  });
  try {
    const outcomes: PersonaOutcome[] = [];
    for (const persona of PERSONAS) {
      await ensureIdentity(iam, persona, scope);
      const credentials = await ensureAccessKey(iam, persona, await readTextIfAny(files.credentials));
      if (credentials !== undefined) await writePrivateFile(files.credentials, credentials);
      const config = await readTextIfAny(files.config);
      if (iniSection(config, `profile ${persona.profile}`) === undefined)
        await writePrivateFile(
          files.config,
          setIniSection(config, `profile ${persona.profile}`, { region: target.region }),
        );
      const newPassword = await ensureLoginProfile(iam, persona, scope.accountId, files.passwords);
      outcomes.push({ persona, newKey: credentials !== undefined, newPassword });
    }
    return outcomes;
  } finally {
    iam.destroy();
  }
}

/**
 * A console password, made once and written to the passwords file (0600) rather than printed, so it is in
 * no terminal's scrollback or log; it must be changed at the first sign-in.
 */
async function ensureLoginProfile(
  iam: IAMClient,
  persona: Persona,
  accountId: string,
  path: string,
): Promise<boolean> {
  const exists = await iam.send(new GetLoginProfileCommand({ UserName: persona.user })).then(
    () => true,
    (error: Error) => {
      if (error.name !== 'NoSuchEntityException' && error.name !== 'NoSuchEntity') throw error;
      return false;
    },
  );
  if (exists) return false;
  const password = consolePassword();
  // Written first: a password the file does not hold would be lost to everyone.
  await writePrivateFile(
    path,
    setIniSection(await readTextIfAny(path), persona.user, {
      account: accountId,
      user: persona.user,
      password,
    }),
  );
  await iam.send(
    new CreateLoginProfileCommand({
      UserName: persona.user,
      Password: password,
      PasswordResetRequired: true,
    }),
  );
  return true;
}

/** The lines `seawall demo` prints once the data is loaded: each persona, its profile and one command. */
export function personaGuide(
  outcomes: readonly PersonaOutcome[],
  endpoint: string,
  files: PersonaFiles,
): string[] {
  const lines = [
    `Personas (profiles in ${files.credentials} and ${files.config}; first console passwords in ${files.passwords}, to be changed at sign-in):`,
    `  export AWS_SHARED_CREDENTIALS_FILE=${files.credentials} AWS_CONFIG_FILE=${files.config}`,
  ];
  for (const { persona } of outcomes) {
    lines.push(`  ${persona.title.padEnd(14)} --profile ${persona.profile.padEnd(16)} ${persona.job}`);
    lines.push(`    ${persona.example(`aws --profile ${persona.profile} --endpoint-url ${endpoint}`)}`);
  }
  return lines;
}
