/** The reliability scenarios against plain OpenAI-style upstreams (relayed chunk by chunk). */
import { reliabilityScenarios } from "./scenarios";

reliabilityScenarios(false);
