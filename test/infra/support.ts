/**
 * Shared helpers of the infrastructure tests: build the stack the way the CDK CLI would (with the
 * feature flags of cdk.json) but without bundling, and read IAM statements out of a template.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { HeartbeatApi } from '../../lib/heartbeat-api';
import { HeartbeatStack } from '../../lib/heartbeat-stack';

/** The context of cdk.json: the CLI passes it to the real app, so the test apps get it too. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** An App that skips asset bundling (synthesis in about a second) and, unless asked, CloudFormation schema validation. */
export function testApp(context: Record<string, unknown> = {}, options: { cfnValidation?: boolean } = {}): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: options.cfnValidation ?? false,
  });
}

/** The heartbeat stack as bin/app.ts builds it, with extra context. */
export function buildHeartbeatStack(context: Record<string, unknown> = {}): { stack: HeartbeatStack; template: Template } {
  const stack = new HeartbeatStack(testApp(context), 'HeartbeatMonitor');
  return { stack, template: Template.fromStack(stack) };
}

/** The logical id of a construct's CloudFormation resource (the construct itself, or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** The logical id of a function's execution role. */
export function roleIdOf(fn: { readonly role?: IConstruct }): string {
  if (fn.role === undefined) throw new Error('The function has no role.');
  return logicalId(fn.role);
}

/** An IAM policy statement as it appears in a template. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** A value or list of values, as a list. */
export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every statement of the IAM policies attached to a role, inline or separate. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) } });
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as { Properties?: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } };
  return [
    ...Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement),
    ...(role?.Properties?.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement),
  ];
}

/** Every identity-policy statement in the template (separate policies and roles' inline policies). */
export function allIdentityStatements(template: Template): Statement[] {
  const roles = Object.keys(template.findResources('AWS::IAM::Role'));
  const separate = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
  const inline = roles.flatMap((id) => {
    const role = template.findResources('AWS::IAM::Role')[id] as { Properties?: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } };
    return (role.Properties?.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement);
  });
  return [...separate, ...inline];
}

/** The sorted, de-duplicated actions of some statements. */
export function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => asList(statement.Action)))].sort();
}

/** The monitor's HTTP API; throws for a stack built with `frontDoor: 'functionUrl'`, which has none. */
export function requireApi(monitor: { readonly api?: HeartbeatApi }): HeartbeatApi {
  if (monitor.api === undefined) throw new Error('This monitor has no HTTP API (frontDoor is functionUrl).');
  return monitor.api;
}
