import { type App, Aspects } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { PortcullisConfig } from "./config.js";
import { StatefulStack } from "./stacks/stateful-stack.js";
import { StatelessStack } from "./stacks/stateless-stack.js";

const DEFAULT_CROSS_STACK_REFERENCES = "@aws-cdk/core:defaultCrossStackReferences";

export interface PortcullisStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Adds both stacks and the cdk-nag AwsSolutions checks to `app`; shared by app.ts and the tests. */
export function buildPortcullisApp(app: App, config: PortcullisConfig): PortcullisStacks {
  // Strong (Fn::ImportValue) references: CloudFormation refuses to drop an export of the table,
  // buckets or key while the stateless stack still uses it.
  if (app.node.tryGetContext(DEFAULT_CROSS_STACK_REFERENCES) === undefined) {
    app.node.setContext(DEFAULT_CROSS_STACK_REFERENCES, "strong");
  }
  const env = { account: config.account, region: config.region };
  const stateful = new StatefulStack(app, "PortcullisStateful", { env, config });
  const stateless = new StatelessStack(app, "PortcullisStateless", { env, config, stateful });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { stateful, stateless };
}
