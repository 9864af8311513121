"""Fixtures of the web tests: merchants' browsers and the desk over the shared real stack."""

from __future__ import annotations

from typing import List, Optional

import pytest

from devtools.clients import Desk, Merchant


@pytest.fixture
def merchants(rasa_stack):
    opened: List[Merchant] = []

    def open_merchant(cookie: Optional[str] = None, address: Optional[str] = None) -> Merchant:
        merchant = Merchant(rasa_stack.rasa_url, cookie, address)
        opened.append(merchant)
        return merchant

    yield open_merchant
    for merchant in opened:
        merchant.close()


@pytest.fixture(scope="module")
def desk(rasa_stack) -> Desk:
    return Desk(rasa_stack.database_url)
