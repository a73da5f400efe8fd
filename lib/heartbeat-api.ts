/**
 * The service's HTTP API: the routes of the route table (lambdas/handlers/routes.ts: the device
 * route, the operator routes behind IAM (SigV4), the public health route), and a default stage
 * with throttling and JSON access logs.
 */
import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routesByPath, type RouteHandler } from '../lambdas/handlers/routes';

/** Props of the HTTP API. */
export interface HeartbeatApiProps {
  /** Handles the device route. */
  readonly ingestFunction: lambda.IFunction;
  /** Handles the operator routes and the health route. */
  readonly managementFunction: lambda.IFunction;
  /** Steady-state requests per second the default stage accepts. */
  readonly throttleRateLimit: number;
  /** Requests the default stage accepts in a burst. */
  readonly throttleBurstLimit: number;
  /** How long access log events are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * One JSON object per request. Only request metadata: no header (so never `Authorization`), no body.
 * `userArn` names the operator behind a SigV4 call; it is empty on device and health routes.
 * Variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  userArn: '$context.identity.userArn',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  errorType: '$context.error.responseType',
};

/** The HTTP API with its routes and default stage. */
export class HeartbeatApi extends Construct {
  /** The HTTP API. */
  public readonly api: apigw.HttpApi;
  /** The `$default` stage (throttled, access-logged). */
  public readonly stage: apigw.HttpStage;
  /** Where the stage writes its access logs. */
  public readonly accessLogGroup: logs.LogGroup;
  /** Base URL of the API, ending in `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: HeartbeatApiProps) {
    super(scope, id);

    // The stage is created by hand: the API's automatic default stage takes no throttling or logging settings.
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Heartbeat monitor: device heartbeats and fleet management',
      createDefaultStage: false,
      // Devices on IPv6-only networks (cellular, some IoT carriers) reach it without a NAT64 gateway.
      ipAddressType: apigw.IpAddressType.DUAL_STACK,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;

    const integrations: Record<RouteHandler, HttpLambdaIntegration> = {
      ingest: new HttpLambdaIntegration('Ingest', props.ingestFunction, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      management: new HttpLambdaIntegration('Management', props.managementFunction, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
    };
    const iam = new HttpIamAuthorizer();

    // One call per path of the route table (lambdas/handlers/routes.ts). Each path also gets an ANY
    // route, so the handler answers other methods with the contract's 405 instead of API Gateway's
    // bare 404. Operators: SigV4, checked by API Gateway before the function runs. Devices: no
    // gateway authorizer; the ingest handler checks the HMAC device token itself, which costs no
    // extra invocation and no database read.
    for (const route of routesByPath()) {
      const created = this.api.addRoutes({
        path: route.path,
        methods: [...route.methods.map((method) => apigw.HttpMethod[method]), apigw.HttpMethod.ANY],
        integration: integrations[route.handler],
        ...(route.auth === 'admin' ? { authorizer: iam } : {}),
      });
      if (route.auth === 'admin') continue;
      if (route.publicBecause === undefined) throw new Error(`Route ${route.path} has no authorizer: say why in publicBecause.`);
      // Acknowledged on the route resources themselves, not the route constructs, whose children
      // (Lambda permissions, the integration) the rule does not concern.
      for (const resource of created) {
        Validations.of(resource.node.defaultChild ?? resource).acknowledge({ id: 'AwsSolutions-APIG4', reason: route.publicBecause });
      }
    }
  }
}
