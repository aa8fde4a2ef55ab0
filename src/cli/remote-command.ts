import { fromIni } from '@aws-sdk/credential-provider-ini';
import { configFrom, REGION_PATTERN } from '../config.js';
import { dataDirLayout, exists } from '../data-dir.js';
import type { Remote } from '../storage/index.js';
import { CliError, type Command } from './commands.js';

const ACCOUNT = /^\d{12}$/;

/**
 * `seawall remote add|list`: registers another account's S3 endpoint, which replication rules then name by its
 * account id (`Destination: {Bucket: arn:aws:s3:::name, Account: ID}`). The credentials are read from an aws
 * cli credentials file once and kept sealed by the root key, so a backup carries them and no file is needed.
 */
export const remoteCommand: Command = {
  usage:
    'seawall remote add --data-dir DIR --account ID --endpoint URL --credentials FILE [--profile P] [--region R]\n' +
    '       seawall remote list --data-dir DIR',
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
    if ((action !== 'add' && action !== 'list') || positionals.length !== 1)
      throw new CliError('say what to do: seawall remote add … or seawall remote list');
    const { region: _region, ...storeFlags } = values;
    const config = configFrom(storeFlags, io.env);
    const layout = dataDirLayout(config.dataDir);
    if (!(await exists(layout.rootKey)) && !(config.rootKey && (await exists(layout.credentials))))
      throw new CliError(`${config.dataDir} is not a Seawall data directory; choose one with --data-dir`);
    let remote: Remote | undefined;
    if (action === 'add') {
      const account = typeof values.account === 'string' ? values.account : '';
      if (!ACCOUNT.test(account)) throw new CliError('--account must be a 12-digit account id');
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
      const region = typeof values.region === 'string' ? values.region : config.region;
      if (!REGION_PATTERN.test(region)) throw new CliError('--region must look like ca-west-1');
      if (typeof values.credentials !== 'string')
        throw new CliError('--credentials must name an aws cli credentials file');
      const profile = typeof values.profile === 'string' ? values.profile : 'default';
      const credentials = await fromIni({
        filepath: values.credentials,
        configFilepath: values.credentials,
        profile,
      })().catch((error: unknown) => {
        throw new CliError(
          `cannot read profile ${profile} of ${values.credentials}: ${(error as Error).message}`,
        );
      });
      if (credentials.sessionToken)
        throw new CliError(
          'the profile holds temporary credentials; replication needs an access key that lasts',
        );
      remote = {
        accountId: account,
        endpoint: url.toString().replace(/\/$/, ''),
        region,
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
      };
    }
    // The stores are imported once the flags are judged, never for the command's help.
    const [{ createSecretBox }, { openStore }, { rootKeyOf }, { createRemoteStore, REMOTE_SECRETS_PURPOSE }] =
      await Promise.all([
        import('../kms/index.js'),
        import('../main.js'),
        import('../root-of-trust.js'),
        import('../storage/index.js'),
      ]);
    const rootKey = await rootKeyOf(config);
    const db = await openStore(config);
    try {
      const remotes = createRemoteStore(db.db, createSecretBox(rootKey, REMOTE_SECRETS_PURPOSE), Date.now);
      if (remote) {
        await remotes.put(remote);
        io.out(`registered account ${remote.accountId} at ${remote.endpoint} (key ${remote.accessKeyId})`);
      } else
        for (const found of await remotes.list())
          io.out(`${found.accountId}\t${found.endpoint}\t${found.region}\t${found.accessKeyId}`);
    } finally {
      await db.close();
    }
    return 0;
  },
};
