namespace Autograd.NN; internal static class Placeholder {}
