// The Step* method Kong chooses to send a PDK call's result back with (docs/protocol.md): the RPC
// method carries the type, so the server knows how to read Data.
export function stepMethodFor(pdkMethod: string): string {
  switch (pdkMethod) {
    case 'kong.client.get_credential':
    case 'kong.client.authenticate':
      return 'plugin.StepCredential';
    case 'kong.client.load_consumer':
    case 'kong.client.get_consumer':
      return 'plugin.StepConsumer';
    case 'kong.node.get_memory_stats':
      return 'plugin.StepMemoryStats';
    case 'kong.router.get_route':
      return 'plugin.StepRoute';
    case 'kong.router.get_service':
      return 'plugin.StepService';
    case 'kong.request.get_query':
    case 'kong.request.get_headers':
    case 'kong.response.get_headers':
    case 'kong.service.response.get_headers':
      return 'plugin.StepMultiMap';
    default:
      return 'plugin.Step';
  }
}
