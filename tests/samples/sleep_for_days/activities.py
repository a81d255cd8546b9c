# Ported from Temporal's samples (temporalio/samples-python): sleep_for_days/activities.py.
# MIT License, Copyright (c) 2022 Temporal Technologies Inc. (see tests/samples/LICENSE).
# Changed: the imports only (temporalio -> durable).
from dataclasses import dataclass

from durable import activity


@dataclass
class SendEmailInput:
    email_msg: str


@activity.defn()
async def send_email(input: SendEmailInput) -> str:
    """
    A stub Activity for sending an email.
    """
    result = f"Email message: {input.email_msg}, sent"
    activity.logger.info(result)
    return result
