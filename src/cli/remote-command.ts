import { fromIni } from '@aws-sdk/credential-provider-ini';
import { configFrom, REGION_PATTERN } from '../config.js';
import { dataDirLayout, exists } from '../data-dir.js';
import type { Remote } from '../storage/index.js';
import { CliError, type Command } from './commands.js';

const ACCOUNT = /^\d{12}$/;

/**
 * `seawall remote add|list|remove`: registers another account's S3 endpoint, which replication rules then name
 * by its account id (`Destination: {Bucket: arn:aws:s3:::name, Account: ID}`). The credentials are read from an
 * aws cli credentials file once and kept sealed by the root key, so a backup carries them and no file is needed.
 * The installation's own account needs none (its rules replicate within it), and a registration a rule still
 * names is kept.
 */
export const remoteCommand: Command = {
  usage:
    'seawall remote add --data-dir DIR --account ID --endpoint URL --credentials FILE [--profile P] [--region R]\n' +
    '       seawall remote list --data-dir DIR\n' +
    '       seawall remote remove --data-dir DIR --account ID',
  positionals: true,
  options: {
    'data-dir': { type: 'string' },
    'metadata-url': { type: 'string' },
    account: { type: 'string' },
    endpoint: { type: 'string' },
    credentials: { type: 'string' },
    profile: { type: 'string' },
    region: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const action = positionals[0];
    if (!(action === 'add' || action === 'list' || action === 'remove') || positionals.length !== 1)
      throw new CliError(
        'say what to do: seawall remote add …, seawall remote list or seawall remote remove …',
      );
    const { region: _region, ...storeFlags } = values;
    const config = configFrom(storeFlags, io.env);
    const layout = dataDirLayout(config.dataDir);
    if (!(await exists(layout.rootKey)) && !(config.rootKey && (await exists(layout.credentials))))
      throw new CliError(`${config.dataDir} is not a Seawall data directory; choose one with --data-dir`);
    const account = action === 'list' ? undefined : accountOf(values);
    const remote = action === 'add' ? await remoteOf(values, config.region, account as string) : undefined;
    // The stores are imported once the flags are judged, never for the command's help.
    const [{ createIamStore }, { createSecretBox }, { openStore }, { rootKeyOf }, storage] =
      await Promise.all([
        import('../iam/index.js'),
        import('../kms/index.js'),
        import('../main.js'),
        import('../root-of-trust.js'),
        import('../storage/index.js'),
      ]);
    const rootKey = await rootKeyOf(config);
    const db = await openStore(config);
    try {
      const secrets = createSecretBox(rootKey, storage.REMOTE_SECRETS_PURPOSE);
      const remotes = storage.createRemoteStore(db.db, secrets, Date.now);
      // The installation's account: the first made, as the server takes it.
      const own = (await createIamStore(db.db).firstAccount())?.id;
      if (remote) {
        if (remote.accountId === own)
          throw new CliError(
            `account ${own} is this installation's own: its replication rules reach its buckets without a remote`,
          );
        await remotes.put(remote);
        io.out(`registered account ${remote.accountId} at ${remote.endpoint} (key ${remote.accessKeyId})`);
      } else if (account !== undefined) {
        // A rule naming the installation's own account never used a remote (one registered before that was
        // refused); any other would fail every replica it makes.
        const naming = account === own ? [] : await storage.rulesNaming(db.db, account);
        const [first] = naming;
        if (first)
          throw new CliError(
            `bucket ${first.bucket} has a replication rule (${first.rule}) naming account ${account}${naming.length > 1 ? `, and ${naming.length - 1} more` : ''}; change or delete it first (aws s3api delete-bucket-replication --bucket ${first.bucket})`,
          );
        const queued = account === own ? undefined : await storage.deliveriesQueuedFor(db.db, account);
        if (queued)
          throw new CliError(
            `${queued.count} replication deliver${queued.count === 1 ? 'y' : 'ies'} to account ${account} ${queued.count === 1 ? 'is' : 'are'} still queued (the oldest from bucket ${queued.bucket}); they are retried until they complete or fail, so remove the account once they have (aws s3api head-object shows each version's ReplicationStatus)`,
          );
        if (!(await remotes.remove(account)))
          throw new CliError(`no remote is registered for account ${account}`);
        io.out(`removed account ${account}`);
      } else
        for (const found of await remotes.list())
          io.out(`${found.accountId}\t${found.endpoint}\t${found.region}\t${found.accessKeyId}`);
    } finally {
      await db.close();
    }
    return 0;
  },
};

function accountOf(values: Record<string, string | boolean | undefined>): string {
  const account = typeof values.account === 'string' ? values.account : '';
  if (!ACCOUNT.test(account)) throw new CliError('--account must be a 12-digit account id');
  return account;
}

/** The remote `remote add`'s flags register, its key read from the credentials file. */
async function remoteOf(
  values: Record<string, string | boolean | undefined>,
  defaultRegion: string,
  account: string,
): Promise<Remote> {
  const endpoint = typeof values.endpoint === 'string' ? values.endpoint : '';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError('--endpoint must be a URL, such as https://seawall.example:9000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError('--endpoint must be an http:// or https:// URL');
  // An endpoint is a scheme, host and port: a path, query or user in it would reach somewhere else.
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/')
    throw new CliError(
      '--endpoint must be a scheme, host and port only, such as https://seawall.example:9000',
    );
  const region = typeof values.region === 'string' ? values.region : defaultRegion;
  if (!REGION_PATTERN.test(region)) throw new CliError('--region must look like ca-west-1');
  if (typeof values.credentials !== 'string')
    throw new CliError('--credentials must name an aws cli credentials file');
  const file = values.credentials;
  const profile = typeof values.profile === 'string' ? values.profile : 'default';
  const credentials = await fromIni({ filepath: file, configFilepath: file, profile })().catch(
    (error: unknown) => {
      throw new CliError(`cannot read profile ${profile} of ${file}: ${(error as Error).message}`);
    },
  );
  if (credentials.sessionToken)
    throw new CliError('the profile holds temporary credentials; replication needs an access key that lasts');
  return {
    accountId: account,
    endpoint: url.toString().replace(/\/$/, ''),
    region,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
  };
}
