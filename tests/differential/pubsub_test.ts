import cases from "./cases/pubsub.ts";
import { defineDifferentialSuite } from "./harness.ts";

defineDifferentialSuite("pubsub", cases);
