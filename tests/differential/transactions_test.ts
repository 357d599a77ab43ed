import cases from "./cases/transactions.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("transactions", cases);
