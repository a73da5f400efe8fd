/**
 * The contract's "Alert rules" on AWS: the deployment-wide defaults of failThreshold and
 * recoverAfter are `-c` context keys (and construct props) that reach every function deciding with
 * them, and a value outside the contract's range fails at synth, naming the setting.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildHeartbeatStack, roleIdOf } from '../infra/support';

describe('Alert rules in the CDK template', () => {
  it('"failThreshold ... default 1" and "recoverAfter ... default 0" reach the functions that decide with them, and -c failThreshold / -c recoverAfter change them', () => {
    // Act
    const plain = buildHeartbeatStack();
    const tuned = buildHeartbeatStack({ failThreshold: '3', recoverAfter: '600' });
    // Assess
    for (const [{ stack, template }, threshold, recover] of [
      [plain, '1', '0'],
      [tuned, '3', '600'],
    ] as const) {
      const { monitor } = stack;
      for (const fn of [monitor.ingestFunction, monitor.sweeperFunction, monitor.instantAlertFunction, monitor.managementFunction]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Role: { 'Fn::GetAtt': [roleIdOf(fn), 'Arn'] },
          Environment: { Variables: Match.objectLike({ DEFAULT_FAIL_THRESHOLD: threshold }) },
        });
      }
      for (const fn of [monitor.sweeperFunction, monitor.instantAlertFunction, monitor.managementFunction]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          Role: { 'Fn::GetAtt': [roleIdOf(fn), 'Arn'] },
          Environment: { Variables: Match.objectLike({ DEFAULT_RECOVER_AFTER_SECONDS: recover }) },
        });
      }
    }
  });

  it.each([
    ['failThreshold', '0'],
    ['failThreshold', '101'],
    ['failThreshold', '2.5'],
    ['recoverAfter', '-1'],
    ['recoverAfter', '86401'],
  ])('refuses -c %s=%s at synth, naming the setting', (key, value) => {
    expect(() => buildHeartbeatStack({ [key]: value })).toThrow(key === 'failThreshold' ? /failThreshold/i : /recoverAfter/i);
  });
});
