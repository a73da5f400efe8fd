/** The import-time baseline: a bundle of the DynamoDB client alone, built once at module scope as the handlers do. */
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async (input: UpdateItemCommandInput) => client.send(new UpdateItemCommand(input));
