/**
 * A local stand-in for AWS Secrets Manager: an HTTP server on 127.0.0.1 speaking just enough of its
 * AWS JSON 1.1 protocol for `GetSecretValue`, so real SDK clients (and Lambda bundles) can read
 * secrets through `AWS_ENDPOINT_URL_SECRETS_MANAGER` or a client's `endpoint`. An unknown secret
 * answers `ResourceNotFoundException`, any other operation `UnknownOperationException`.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { AwsStandInServer, type StandInRequest } from './aws-stand-in-server';

export class SecretsManagerStandIn {
  /** The SecretId of every GetSecretValue call, in order. */
  readonly reads: string[] = [];
  /** The access key id of every signed request, in order. */
  readonly accessKeyIds: string[] = [];
  private http: AwsStandInServer | null = null;

  /** `secrets`: SecretString by ARN (a secret is found by its ARN or its name, the ARN's last part). */
  private constructor(private readonly secrets: ReadonlyMap<string, string>) {}

  /** Starts a stand-in on a free port of 127.0.0.1 holding `secrets` (SecretString by ARN). */
  static async start(secrets: Readonly<Record<string, string>>): Promise<SecretsManagerStandIn> {
    const standIn = new SecretsManagerStandIn(new Map(Object.entries(secrets)));
    standIn.http = await AwsStandInServer.start((request, res) => standIn.handle(request, res));
    return standIn;
  }

  /** The endpoint for `AWS_ENDPOINT_URL_SECRETS_MANAGER` or a client's `endpoint`. */
  get endpoint(): string {
    return this.http?.endpoint ?? '';
  }

  async close(): Promise<void> {
    await this.http?.close();
  }

  private handle(request: StandInRequest, res: ServerResponse): void {
    if (request.accessKeyId) this.accessKeyIds.push(request.accessKeyId);
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(body));
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'secretsmanager.GetSecretValue') {
      send(400, { __type: 'UnknownOperationException', message: `${target} is not supported by this stand-in.` });
      return;
    }
    let secretId = '';
    try {
      secretId = String((JSON.parse(request.body.toString('utf8')) as { SecretId?: unknown }).SecretId ?? '');
    } catch {
      send(400, { __type: 'SerializationException', message: 'The request body is not JSON.' });
      return;
    }
    this.reads.push(secretId);
    const arn = [...this.secrets.keys()].find((candidate) => candidate === secretId || candidate.split(':').at(-1) === secretId);
    if (arn === undefined) {
      send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      return;
    }
    send(200, {
      ARN: arn,
      Name: arn.split(':').at(-1),
      VersionId: randomUUID(),
      SecretString: this.secrets.get(arn),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Math.floor(Date.now() / 1000),
    });
  }
}
