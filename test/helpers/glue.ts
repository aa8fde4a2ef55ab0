import {
  type Crawler,
  CreateTableCommand,
  GetCrawlerCommand,
  type GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import type { TestSeawall } from './seawall.js';

/** Endpoint, region and root credentials of a test server, for any SDK client's constructor. */
export function clientConfig(t: TestSeawall) {
  return {
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  };
}

/** Waits until a crawler is READY again and answers it (its LastCrawl says how the crawl went). */
export async function settledCrawler(glue: GlueClient, name: string): Promise<Crawler> {
  for (let i = 0; i < 2400; i++) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    if (Crawler?.State === 'READY') return Crawler;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`crawler ${name} did not finish`);
}

/** Starts a crawler and waits for the crawl to end. */
export async function crawl(glue: GlueClient, name: string): Promise<Crawler> {
  await glue.send(new StartCrawlerCommand({ Name: name }));
  return settledCrawler(glue, name);
}

/** CreateTable of a comma-separated text table with a header line, as Athena's DDL registers one. */
export function csvTableCommand(
  database: string,
  name: string,
  location: string,
  columns: { Name: string; Type: string }[],
): CreateTableCommand {
  return new CreateTableCommand({
    DatabaseName: database,
    TableInput: {
      Name: name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'csv', 'skip.header.line.count': '1' },
      StorageDescriptor: {
        Columns: columns,
        Location: location,
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: { 'field.delim': ',' },
        },
      },
    },
  });
}
