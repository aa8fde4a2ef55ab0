import {
  CreateAccountAliasCommand,
  DeleteAccountAliasCommand,
  IAMClient,
  ListAccountAliasesCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let iam: IAMClient;

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { Code, name, message } = error as Error & { Code?: string };
    return { name: Code ?? name, message };
  }
  throw new Error('expected a failure');
}

const aliases = async () => (await iam.send(new ListAccountAliasesCommand({}))).AccountAliases;

beforeAll(async () => {
  t = await startTestSeawall();
  iam = new IAMClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  });
});
afterAll(async () => {
  iam.destroy();
  await t.close();
});

describe('IAM account aliases', () => {
  it('creates, lists and deletes the one alias of an account', async () => {
    expect(await aliases()).toEqual([]);
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'city-of-vancouver' }));
    expect(await aliases()).toEqual(['city-of-vancouver']);
    // Asking again for the alias the account has changes nothing.
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'city-of-vancouver' }));
    const second = await failure(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'another-one' })));
    expect(second.name).toBe('EntityAlreadyExists');
    expect(await aliases()).toEqual(['city-of-vancouver']);

    const wrong = await failure(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'another-one' })));
    expect(wrong.name).toBe('NoSuchEntity');
    await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'city-of-vancouver' }));
    expect(await aliases()).toEqual([]);
  });

  it("refuses aliases outside IAM's rule, and one that reads as an account id", async () => {
    for (const alias of [
      'ab',
      'Upper-case',
      '-leading',
      'trailing-',
      'double--hyphen',
      'x'.repeat(64),
      'a_b',
    ]) {
      const refused = await failure(iam.send(new CreateAccountAliasCommand({ AccountAlias: alias })));
      expect(refused.name, alias).toBe('ValidationError');
    }
    const digits = await failure(iam.send(new CreateAccountAliasCommand({ AccountAlias: '123456789012' })));
    expect(digits.name).toBe('ValidationError');
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'a-1' }));
    await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'a-1' }));
    expect(await aliases()).toEqual([]);
  });

  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`works with ${cli === AWS_CLI ? "Debian's" : 'the PATH'} aws cli`, async () => {
      const create = await awsCli(
        t.dataDir,
        t.url,
        ['iam', 'create-account-alias', '--account-alias', 'cli-alias'],
        undefined,
        cli,
      );
      expect(create.stderr).toBe('');
      expect(create.code).toBe(0);
      const list = await awsCli(
        t.dataDir,
        t.url,
        ['iam', 'list-account-aliases', '--output', 'json'],
        undefined,
        cli,
      );
      expect(JSON.parse(list.stdout)).toMatchObject({ AccountAliases: ['cli-alias'] });
      const clash = await awsCli(
        t.dataDir,
        t.url,
        ['iam', 'create-account-alias', '--account-alias', 'other-alias'],
        undefined,
        cli,
      );
      expect(clash.code).not.toBe(0);
      expect(clash.stderr).toContain('EntityAlreadyExists');
      const remove = await awsCli(
        t.dataDir,
        t.url,
        ['iam', 'delete-account-alias', '--account-alias', 'cli-alias'],
        undefined,
        cli,
      );
      expect(remove.code).toBe(0);
      expect(await aliases()).toEqual([]);
    });
  }
});
