import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  type DataBrewClient,
  DescribeJobRunCommand,
  type DescribeJobRunCommandOutput,
  PublishRecipeCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-databrew';

interface S3Place {
  Bucket: string;
  Key: string;
}

/**
 * A job named `name` as `role`: a published recipe that drops duplicate rows (`<name>-recipe`), over the CSV
 * files under `input` (dataset `<name>-input`), writing CSV under `output` (a folder per value of
 * `partitionColumns`, if given), overwriting what is there.
 */
export async function dedupeCsvJob(
  databrew: DataBrewClient,
  name: string,
  role: string,
  input: S3Place,
  output: S3Place,
  partitionColumns?: string[],
): Promise<void> {
  await databrew.send(
    new CreateRecipeCommand({
      Name: `${name}-recipe`,
      Steps: [{ Action: { Operation: 'DELETE_DUPLICATE_ROWS', Parameters: {} } }],
    }),
  );
  await databrew.send(new PublishRecipeCommand({ Name: `${name}-recipe` }));
  await databrew.send(
    new CreateDatasetCommand({
      Name: `${name}-input`,
      Format: 'CSV',
      FormatOptions: { Csv: { Delimiter: ',', HeaderRow: true } },
      Input: { S3InputDefinition: input },
    }),
  );
  await databrew.send(
    new CreateRecipeJobCommand({
      Name: name,
      RoleArn: role,
      DatasetName: `${name}-input`,
      RecipeReference: { Name: `${name}-recipe`, RecipeVersion: '1.0' },
      Outputs: [
        {
          Location: output,
          Format: 'CSV',
          Overwrite: true,
          ...(partitionColumns ? { PartitionColumns: partitionColumns } : {}),
        },
      ],
    }),
  );
}

/** Starts a run of the job and waits (two minutes at most) for it to end: the run as DescribeJobRun gives it. */
export async function runToEnd(databrew: DataBrewClient, name: string): Promise<DescribeJobRunCommandOutput> {
  const { RunId } = await databrew.send(new StartJobRunCommand({ Name: name }));
  for (let i = 0; i < 2400; i++) {
    const run = await databrew.send(new DescribeJobRunCommand({ Name: name, RunId }));
    if (['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'].includes(run.State ?? '')) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${RunId} of ${name} did not end within two minutes`);
}
