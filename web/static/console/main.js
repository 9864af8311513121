/* 注销助手 agent console: the parts, wired together. Needs /vendor/socket.io.min.js. */

import { byId } from "../lib/dom.js";
import { Toast } from "../lib/toast.js";
import { CaseView } from "./case-view.js";
import { Queue } from "./queue.js";
import { ReplyBox } from "./reply-box.js";
import { Session } from "./session.js";
import { newConsoleState } from "./state.js";
import { TicketPanel } from "./ticket-panel.js";

const state = newConsoleState();
const toast = new Toast(byId("console-error"), { hideAfterMs: 8000 });
toast.catchStrays();

const queue = new Queue(state, toast, { onOpen: (caseNo) => caseView.open(caseNo) });
const ticketPanel = new TicketPanel(state, toast, { onMoved: () => caseView.refresh({ quiet: true }) });
const replyBox = new ReplyBox(state, toast, {
  onDone: async (gone) => {
    await caseView.refresh({ quiet: true, gone });
    queue.refresh(true);
  },
});
const caseView = new CaseView(state, toast, {
  onReset: (caseNo) => {
    ticketPanel.placeholder(caseNo);
    queue.markActive();
    replyBox.reset();
  },
  onShown: (data) => {
    ticketPanel.render(data.ticket || null);
    replyBox.update();
  },
  onClaim: (caseNo, button) => queue.claim(caseNo, button),
});
const session = new Session(state, toast, {
  onStart: () => {
    caseView.clear();
    queue.refresh(false);
  },
  onPoll: () => {
    queue.refresh(true);
    caseView.refresh({ quiet: true });
  },
  onTick: () => queue.tick(),
  events: {
    queue_changed: () => queue.refresh(true),
    case_event: (data) => {
      if (data && data.case_no && data.case_no === state.openCaseNo) caseView.refresh({ quiet: true });
      queue.refresh(true);
    },
  },
});

replyBox.update();
session.resume();
