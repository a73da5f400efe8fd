/**
 * Stand-in for `@aws-sdk/credential-provider-node` inside the Lambda bundles (wired with an esbuild
 * alias in lib/heartbeat-function.ts). Lambda always hands a function its role's credentials in
 * environment variables, so the SDK's full provider chain (SSO, INI files, IMDS, STS web identity and
 * the nested clients they pull in) is dead weight there: ~85 KB of bundle and cold-start parse time.
 * Local mode and the CLI do not use this file; they keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and shape as the module it replaces. */
export const defaultProvider = (_init?: unknown) => fromEnv();

/** Exported by the replaced module; Lambda environment credentials never need a refresh here. */
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
