import { createReadStream, statSync } from 'node:fs';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GetTablesCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestSeawall } from './seawall.js';
import { SAMPLE_FILES } from './vancouver.js';

/**
 * Uploads the four Vancouver samples to `s3://<bucket>/vancouver/<table>/` and crawls them into the Glue
 * database `database`, as an analyst would before querying them in Athena. Returns each table's columns as
 * `name:type`, in order.
 */
export async function loadVancouverTables(
  t: TestSeawall,
  database: string,
  bucket = 'city-lake',
): Promise<Record<string, string[]>> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [table, file] of Object.entries(SAMPLE_FILES)) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `vancouver/${table}/${file.split('/').pop()}`,
        Body: createReadStream(file),
        ContentLength: statSync(file).size,
      }),
    );
  }
  const glue = new GlueClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
  });
  try {
    await glue.send(
      new CreateCrawlerCommand({
        Name: `${database}-crawler`,
        Role: await t.serviceRole(),
        DatabaseName: database,
        Targets: { S3Targets: [{ Path: `s3://${bucket}/vancouver/` }] },
      }),
    );
    await glue.send(new StartCrawlerCommand({ Name: `${database}-crawler` }));
    for (;;) {
      const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: `${database}-crawler` }));
      if (Crawler?.State === 'READY') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { TableList } = await glue.send(new GetTablesCommand({ DatabaseName: database }));
    return Object.fromEntries(
      (TableList ?? []).map((table) => [
        table.Name,
        (table.StorageDescriptor?.Columns ?? []).map((c) => `${c.Name}:${c.Type}`),
      ]),
    );
  } finally {
    glue.destroy();
  }
}
