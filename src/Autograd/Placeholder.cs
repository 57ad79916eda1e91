namespace Autograd; internal static class Placeholder {}
