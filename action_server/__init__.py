"""The action server that runs actions/ for Rasa: rasa_sdk's app, answering only Rasa.

- bound to loopback unless ZX_ACTIONS_HOST says otherwise (a pod's own network);
- every call to /webhook and /actions carries the shared secret Rasa sends from endpoints.yml
  (`Authorization: Bearer …`), compared in constant time; 401 otherwise;
- an action that raises answers the merchant in Chinese and logs only the action's name and the
  exception's type — never the tracker (rasa_sdk's own handler echoes the whole request).
"""
