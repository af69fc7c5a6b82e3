"""Optional password gate for shared deployments (off by default).

Why so small: the local demo needs no login; a team sharing one explorer on a server starts it with
``minetrace app --host 0.0.0.0 --password-env MINETRACE_PASSWORD`` and the explorer asks for that
password once per browser session. The comparison is constant-time; the password never leaves the
server's environment. For real multi-user access control put the explorer behind your SSO proxy.
"""

from __future__ import annotations

import hmac

import streamlit as st

from app.explorer.settings import load_settings


def gate() -> bool:
    """True when the user may see the explorer (no password configured, or the right one entered)."""
    expected = load_settings().password
    if expected is None or st.session_state.get("authenticated"):
        return True
    st.title("minetrace explorer")
    with st.form("login"):
        given = st.text_input("Password", type="password", key="password_input")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        if hmac.compare_digest(given.encode(), expected.encode()):
            st.session_state["authenticated"] = True
            st.rerun()
        st.error("Wrong password.")
    return False
