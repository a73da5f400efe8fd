/**
 * Proves the CDK API is built from the route table: every declared route exists with the table's
 * authorization and handler, each path has its ANY route, and nothing else is routed.
 */
import { describe, expect, it } from 'vitest';
import { ROUTES, routesByPath } from '../../lambdas/handlers/routes';
import { buildHeartbeatStack, logicalId } from './support';

describe('HeartbeatApi routes', () => {
  const { stack, template } = buildHeartbeatStack();
  const functionIds = { ingest: logicalId(stack.monitor.ingestFunction), management: logicalId(stack.monitor.managementFunction) };

  it('creates exactly the routes of the table plus one ANY per path, with the table auth and handler', () => {
    // Prepare
    const integrationFunction = Object.fromEntries(
      Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).map(([id, resource]) => [
        id,
        (resource as { Properties: { IntegrationUri: { 'Fn::GetAtt': [string, string] } } }).Properties.IntegrationUri['Fn::GetAtt'][0],
      ]),
    );
    const expected = Object.fromEntries(
      routesByPath().flatMap((path) =>
        [...path.methods, 'ANY'].map((method) => [`${method} ${path.path}`, { auth: path.auth === 'admin' ? 'AWS_IAM' : 'NONE', fn: functionIds[path.handler] }]),
      ),
    );
    // Act
    const actual = Object.fromEntries(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((resource) => {
        const props = (resource as { Properties: { RouteKey: string; AuthorizationType: string; Target: { 'Fn::Join': [string, [string, { Ref: string }]] } } }).Properties;
        return [props.RouteKey, { auth: props.AuthorizationType, fn: integrationFunction[props.Target['Fn::Join'][1][1].Ref] }];
      }),
    );
    // Assess
    expect(actual).toEqual(expected);
    expect(Object.keys(actual)).toHaveLength(ROUTES.length + routesByPath().length);
  });
});
