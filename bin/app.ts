/**
 * The CDK app: one HeartbeatMonitor stack, checked by cdk-nag's AWS Solutions rules on every synth.
 * Findings that are accepted are acknowledged, with their reasons, next to the resources they concern.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SettingError } from '../lib/heartbeat-monitor';
import { HeartbeatStack } from '../lib/heartbeat-stack';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

try {
  new HeartbeatStack(app, 'HeartbeatMonitor', {
    // Environment-agnostic unless the CLI knows an account: synth needs no AWS credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A wrong -c value is the operator's to fix: one line that names it, not a stack trace of ours.
  if (!(error instanceof SettingError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
}
