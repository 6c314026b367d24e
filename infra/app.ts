import { App } from "aws-cdk-lib";
import { buildPortcullisApp } from "./build-app.js";
import { readConfig } from "./config.js";

const app = new App();
buildPortcullisApp(app, readConfig(app.node));
app.synth();
