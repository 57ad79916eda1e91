namespace Autograd.NN;

/// <summary>
/// Functional forms of the losses (like torch.nn.functional): each takes the input, the target and the options
/// and returns the reduced loss tensor. Each part of this class sits beside its loss class, in the loss's file.
/// </summary>
public static partial class Losses;
