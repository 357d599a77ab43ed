import cases from "./cases/notifications.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("notifications", cases);
