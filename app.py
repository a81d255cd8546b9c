#!/usr/bin/env python3
"""CDK entry point (cdk.json): ``npx cdk synth`` / ``npx cdk deploy -c namespace=NAME``."""

from stacks.app import build_app

if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
