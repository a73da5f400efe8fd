/**
 * The CDK app: one HeartbeatMonitor stack, checked by cdk-nag's AWS Solutions rules on every synth.
 * Findings that are accepted are acknowledged, with their reasons, next to the resources they concern.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HeartbeatStack } from '../lib/heartbeat-stack';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

new HeartbeatStack(app, 'HeartbeatMonitor', {
  // Environment-agnostic unless the CLI knows an account: synth needs no AWS credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
