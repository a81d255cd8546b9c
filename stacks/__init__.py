"""The CDK app: one stack per namespace, built from constructs per concern.

``stacks.app.build_app()`` is what ``app.py`` (``cdk synth`` / ``cdk deploy``) and the
stack tests synthesize, so the tested app is the deployed one.
"""
