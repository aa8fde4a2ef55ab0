import { SetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';

/** Sets a topic's access policy to these statements, as `aws sns set-topic-attributes --attribute-name Policy`. */
export async function setTopicPolicy(
  sns: SNSClient,
  TopicArn: string | undefined,
  statements: readonly object[],
) {
  await sns.send(
    new SetTopicAttributesCommand({
      TopicArn,
      AttributeName: 'Policy',
      AttributeValue: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
}
